// No lost job: puts back into Redis every queued job MongoDB has that Redis does not hold.
//  - full (at start, and after Redis reconnects, when it may have lost its last writes): raises the
//    seq counter to MongoDB's floor, restores lost jobs at their seq position.
//  - orphans (periodic): jobs the api recorded but crashed before queueing, once older than the grace.
import { type Db, maxSeq, queuedJobs, setJobSeq } from "@lineup/db";
import type { Logger } from "@lineup/log";
import { decodeEnvelope, type Envelope, type Queue } from "@lineup/queue";

export type ReconcileDeps = { db: Db; queue: Queue; log: Logger; graceMs: number };

export async function reconcile(
  deps: ReconcileDeps,
  mode: "full" | "orphans",
): Promise<{ restored: number; queued: number }> {
  if (mode === "full") await deps.queue.raiseSeqFloor(await maxSeq(deps.db, deps.queue.name));
  const cutoff = new Date(Date.now() - deps.graceMs);
  const candidates = [];
  for await (const job of queuedJobs(deps.db, {
    queue: deps.queue.name,
    withoutSeqBefore: mode === "orphans" ? cutoff : undefined,
  })) {
    // A job without seq younger than the grace may still be on its way into Redis.
    if (job.seq !== undefined || job.createdAt < cutoff) candidates.push(job);
  }
  if (!candidates.length) return { restored: 0, queued: 0 };

  const held = new Set<string>();
  for await (const batch of deps.queue.heldEnvelopes()) {
    for (const raw of batch) {
      const env = decodeEnvelope(raw);
      if (env) held.add(env.id);
    }
  }
  const lost: Envelope[] = [];
  let queued = 0;
  for (const job of candidates) {
    if (held.has(job._id)) continue;
    const base = { id: job._id, type: job.type, enqueuedAt: job.createdAt.getTime(), requestId: job.requestId };
    if (job.seq !== undefined) {
      lost.push({ ...base, seq: job.seq });
    } else {
      const seq = await deps.queue.enqueue(base);
      await setJobSeq(deps.db, job._id, seq);
      queued += 1;
    }
  }
  await deps.queue.restore(lost);
  if (lost.length || queued) deps.log.warn("reconciler put jobs back into Redis", { restored: lost.length, queued });
  return { restored: lost.length, queued };
}
