// Batches: up to 100 jobs accepted together or not at all. One MongoDB insert, one Redis script per partition that
// gives them consecutive seqs and appends each to its line, one write of the seqs; 202 only when both stores hold
// every job. A batch over several partitions is recorded pending and committed with one more write once all took.
import { commitBatch, insertJobs, isDuplicateKey, refusedInserts, setJobSeqs, withdrawBatch } from "@lineup/db";
import { type JobDoc, type JobView, lineOfJob, toJobView } from "@lineup/jobs";
import { partitionOf, scheduledEnvelopeOf } from "@lineup/queue";
import type { TraceCarrier } from "@lineup/tracing";
import { ObjectId } from "mongodb";
import type { SubmitBatch } from "../../schemas/jobs";
import type { JobsDeps } from "./deps";
import { startPublish } from "./publish-span";
import {
  admit,
  dueTimes,
  envelopeOf,
  hashBody,
  idForKey,
  newJobDoc,
  payloadsWithinLimits,
  queueUnavailable,
  replayed,
  withdraw,
} from "./submission";

export type BatchSubmission = {
  ownerId: string;
  body: SubmitBatch;
  idempotencyKey?: string;
  requestId?: string;
  /** The submitting request's trace context: each job's publish span is its child. */
  trace?: TraceCarrier;
};
export type BatchResult = { jobs: JobView[]; replay: boolean };

export async function submitBatch(deps: JobsDeps, s: BatchSubmission): Promise<BatchResult> {
  const { ownerId, idempotencyKey, requestId } = s;
  const jobs = s.body.jobs;
  const payloads = payloadsWithinLimits(deps, jobs, (i) => `jobs.${i}.payload`);
  const createdAt = deps.now();
  const runAts = dueTimes(jobs, createdAt, (i) => `jobs.${i}.runAt`);
  const requestHash = idempotencyKey ? hashBody(s.body) : undefined;
  const ids = jobs.map((_, i) =>
    idempotencyKey ? idForKey(ownerId, idempotencyKey, i) : new ObjectId().toHexString(),
  );
  await admit(deps, ownerId, jobs, (i) => `jobs.${i}.callbackUrl`);

  const records = jobs.map((job, i) =>
    newJobDoc(
      deps,
      {
        id: ids[i] as string,
        ownerId,
        job,
        payloadJson: payloads[i] as string,
        idempotencyKey,
        requestHash,
        requestId,
        runAt: runAts[i],
      },
      createdAt,
    ),
  );
  // Lines in several partitions take one Redis step each: the jobs are recorded pending (no worker starts one) and
  // committed once every step took, so a Redis Cluster master that dies between two steps leaves none of them to run.
  const partitions = new Set(records.map((doc) => partitionOf(lineOfJob(doc), deps.queue.partitions)));
  const batchPending = partitions.size > 1 ? new ObjectId().toHexString() : undefined;
  const publishes = records.map((doc) => startPublish(deps.tracing, s.trace, { ...doc, id: doc._id }));
  const docs = records.map((doc, i) => {
    const trace = publishes[i]?.trace;
    return { ...doc, ...(batchPending ? { batchPending } : {}), ...(trace ? { trace } : {}) };
  });
  const ended = (err?: unknown) => {
    for (const p of publishes) p.end(err);
  };
  try {
    await insertJobs(deps.db, docs);
  } catch (err) {
    ended(err);
    // The jobs the insert did not refuse are ours: they go again, whatever happens next.
    const refused = refusedInserts(err);
    await withdraw(
      deps,
      ids.filter((_, i) => !refused?.has(i)),
    );
    if (!isDuplicateKey(err)) throw err;
    // Jobs with these ids exist: this key was used before (or is being used right now).
    if (idempotencyKey) return { jobs: await replayed(deps, ids, requestHash), replay: true };
    throw err;
  }

  // Jobs due later go to their partitions' due-time indexes first, then the rest to their lines: the lines' step is
  // the one that cannot be undone, so it comes last.
  const now = docs.filter((doc) => doc.status === "queued");
  const later = docs.filter((doc) => doc.status === "scheduled").map(scheduledEnvelopeOf);
  let seqs: number[];
  try {
    if (later.length) await deps.queue.dueTimes.schedule(later);
    seqs = now.length ? await deps.queue.enqueueBatch(now.map(envelopeOf)) : [];
  } catch (err) {
    // Redis took none of them into a line, or (lines in several partitions) some: no worker starts a job of a pending
    // batch, so undoing the inserts leaves nothing behind to run, and a 503 means none of it.
    ended(err);
    await withdraw(deps, ids);
    await deps.queue.dueTimes.unschedule(later).catch(() => {});
    throw queueUnavailable(err);
  }
  if (batchPending) {
    try {
      await commitBatch(deps.db, batchPending);
    } catch (err) {
      // MongoDB is away: withdraw the batch if it can; else it stays pending and the reconciler commits it once
      // RECONCILE_GRACE_MS has passed (as it queues a single job whose api stopped before queueing it).
      await withdrawBatch(deps.db, batchPending).catch(() => {});
      await deps.queue.dueTimes.unschedule(later).catch(() => {});
      ended(err);
      throw err;
    }
  }
  ended();
  const seqOf = new Map(now.map((doc, i) => [doc._id, seqs[i] as number]));
  // Awaited, as for a single job: a Redis that loses its last writes gets these jobs back at their seq places only if
  // MongoDB has the seqs. Failing here does no other harm: the worker records each seq when it starts the job.
  await setJobSeqs(
    deps.db,
    [...seqOf].map(([id, seq]) => ({ id, seq })),
  ).catch((err) => deps.log.warn("could not record a batch's seqs; the worker will", { jobIds: ids, error: err }));
  deps.quota.accepted(ownerId, docs.length);
  for (const doc of docs) deps.metrics.submitted.inc({ type: doc.type });
  const view = (doc: JobDoc) => toJobView(seqOf.has(doc._id) ? { ...doc, seq: seqOf.get(doc._id) } : doc);
  return { jobs: docs.map(view), replay: false };
}
