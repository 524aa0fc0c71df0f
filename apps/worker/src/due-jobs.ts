// Jobs submitted to run later are released into their lines when they are due. The record says queued first (MongoDB
// is the truth), then the job joins the tail of its line and takes its seq (Redis), then its seq is recorded. Any
// number of workers may release at once: only the one whose script takes the job out of the due-time index enqueues
// it. A crash between the steps is repaired by the next release (the index still holds the job) or, once the job has
// been queued RECONCILE_GRACE_MS, by the reconciler.
import { type Db, markScheduledDue, setJobSeqs } from "@lineup/db";
import { changeOf, type JobChange, type JobDoc } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { Queue, ScheduledJob } from "@lineup/queue";

export type DueJobsDeps = {
  db: Db;
  queue: Queue;
  log: Logger;
  notify: (changes: JobChange[]) => void;
};

// A release step moves at most this many jobs per partition; the rest go on the next step, a moment later.
const BATCH = 200;

/** Releases the jobs that are due now; returns how many joined their lines. */
export async function releaseDueJobs(deps: DueJobsDeps, now = Date.now()): Promise<number> {
  const { db, queue } = deps;
  const due = await queue.dueTimes.due(now, BATCH);
  if (!due.length) return 0;
  const records = await markScheduledDue(
    db,
    due.map((job) => job.id),
    new Date(now),
  );
  const release: ScheduledJob[] = [];
  const drop: ScheduledJob[] = [];
  for (const job of due) {
    const doc = records.get(job.id);
    if (doc?.status === "queued" && doc.seq === undefined) release.push(job);
    // Of a batch not yet accepted whole: it stays in the index until its batch is committed (or withdrawn).
    else if (doc?.batchPending !== undefined) continue;
    // Canceled, gone past its retention, or already in its line: the index's entry is all that is left of it.
    else drop.push(job);
  }
  if (drop.length) await queue.dueTimes.unschedule(drop);
  // One at a time, earliest first: jobs of one line due one after another join it in that order, whatever retries a
  // Redis Cluster's failover makes of commands in flight.
  const released: { id: string; seq: number }[] = [];
  for (const job of release) {
    const seq = await queue.dueTimes.release(job);
    if (seq !== null) released.push({ id: job.id, seq });
  }
  if (!released.length) return 0;
  // A job whose seq is not on record still runs: the worker records the seq when it starts the job.
  await setJobSeqs(db, released).catch((err) =>
    deps.log.warn("could not record the seqs of released jobs; they are recorded at start", { error: err }),
  );
  // Every released job's record was read above (it is why it was released).
  deps.notify(released.map(({ id }) => changeOf(records.get(id) as JobDoc)));
  return released.length;
}
