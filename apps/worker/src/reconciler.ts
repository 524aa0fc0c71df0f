// No lost job: puts back into Redis every job MongoDB says Redis should hold and Redis lacks.
//  - full (at start, and after Redis reconnects, when it may have lost its last writes): raises the seq counter to
//    MongoDB's floor, restores queued jobs at their seq place in their lines, the queue's paused state, the stopped
//    lines, and the due-time indexes of scheduled jobs and of schedules. Workers take no job until it ran.
//  - periodic (one worker at a time): queues jobs the api recorded but crashed before queueing (once older than the
//    grace; a batch it left pending is committed first), puts back running jobs whose worker is gone and whose line lost them, and indexes running schedules the
//    index lacks.
// A job is lost only if its line lacks it and MongoDB, read after the line, still says queued or running: a job
// leaves its line only after its end is on record, so that order of reads cannot mistake a finished job for a lost one.
import {
  activeSchedules,
  commitBatch,
  type Db,
  findQueueState,
  type HeldJob,
  jobsCollection,
  jobsRedisHolds,
  maxSeq,
  scheduledJobs,
  setJobSeq,
  stalePendingBatches,
  stoppedLines,
} from "@lineup/db";
import { lineOfJob } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import { type Envelope, type Queue, type ScheduledJob, scheduledEnvelopeOf } from "@lineup/queue";

export type ReconcileDeps = { db: Db; queue: Queue; log: Logger; graceMs: number };

export type Reconciled = { restored: number; queued: number };

export async function reconcile(
  deps: ReconcileDeps,
  mode: { full: true } | { full: false; aliveWorkers: ReadonlySet<string> },
): Promise<Reconciled> {
  const { db, queue } = deps;
  const cutoff = new Date(Date.now() - deps.graceMs);
  // A batch an api recorded but never committed (it stopped between the batch's Redis steps): the record wins, as for
  // a single job, and what of it Redis lacks is queued below.
  for (const batch of await stalePendingBatches(db, queue.name, cutoff)) {
    await commitBatch(db, batch);
    deps.log.warn("reconciler committed a batch its api left pending", { batch });
  }
  const candidates: HeldJob[] = [];
  if (mode.full) {
    await queue.raiseSeqFloors((p) => maxSeq(db, queue.name, queue.partitions, p));
    // An operator's pause is on record in MongoDB; a Redis that lost it gets it back.
    const state = await findQueueState(db, queue.name);
    if (state?.paused !== undefined) await queue.setPaused(state.paused);
    await restoreStoppedLines(deps);
    await restoreScheduledJobs(deps);
    for await (const job of jobsRedisHolds(db, { queue: queue.name })) {
      // A job without seq younger than the grace may still be on its way into Redis.
      if (job.seq !== undefined || job.createdAt < cutoff) candidates.push(job);
    }
  } else {
    for await (const job of jobsRedisHolds(db, { queue: queue.name, withoutSeqBefore: cutoff })) candidates.push(job);
    for await (const job of jobsRedisHolds(db, { queue: queue.name, status: "running" })) {
      if (!job.workerId || !mode.aliveWorkers.has(job.workerId)) candidates.push(job);
    }
  }
  // Every mode: a schedule Redis's index lacks would never fire.
  await restoreScheduleTicks(deps);
  const missing = await notInTheirLines(queue, candidates);
  const lost = await stillWaiting(db, missing);
  if (!lost.length) return { restored: 0, queued: 0 };

  const byLine = new Map<string, Envelope[]>();
  let queued = 0;
  for (const job of lost) {
    const base = {
      id: job._id,
      line: lineOfJob(job),
      type: job.type,
      enqueuedAt: job.createdAt.getTime(),
      requestId: job.requestId,
    };
    if (job.seq === undefined) {
      // Never confirmed by Redis: it takes its place at the tail of its line now. A job that was scheduled leaves the
      // due-time index in the same step, so a release cannot queue it a second time.
      const seq = job.runAt
        ? await queue.dueTimes.release(scheduledEnvelopeOf(job), { repair: true })
        : await queue.enqueue(base);
      if (seq !== null) await setJobSeq(db, job._id, seq);
      queued += 1;
    } else {
      const envelopes = byLine.get(base.line) ?? [];
      envelopes.push({ ...base, seq: job.seq });
      byLine.set(base.line, envelopes);
    }
  }
  let restored = 0;
  for (const [line, envelopes] of byLine) restored += await queue.restore(line, envelopes);
  if (restored || queued) deps.log.warn("reconciler put jobs back into Redis", { restored, queued });
  return { restored, queued };
}

async function notInTheirLines(queue: Queue, jobs: HeldJob[]): Promise<HeldJob[]> {
  const members = new Map<string, Set<string>>();
  const missing: HeldJob[] = [];
  for (const job of jobs) {
    const line = lineOfJob(job);
    let held = members.get(line);
    if (!held) {
      held = await queue.lineMembers(line);
      members.set(line, held);
    }
    if (!held.has(job._id)) missing.push(job);
  }
  return missing;
}

/** Of jobs their lines lack, those MongoDB (read now, after the lines) still has as they were: not moved on since. */
async function stillWaiting(db: Db, jobs: HeldJob[]): Promise<HeldJob[]> {
  if (!jobs.length) return [];
  const now = await jobsCollection(db)
    .find({ _id: { $in: jobs.map((j) => j._id) } }, { projection: { status: 1, attempts: 1 } })
    .toArray();
  const current = new Map(now.map((d) => [d._id, d]));
  return jobs.filter((j) => current.get(j._id)?.status === j.status && current.get(j._id)?.attempts === j.attempts);
}

/** Redis's stopped lines follow MongoDB's record: lines paused or halted there are stopped, no others. */
async function restoreStoppedLines(deps: ReconcileDeps): Promise<void> {
  const { db, queue } = deps;
  const recorded = new Set((await stoppedLines(db, queue.name)).map((s) => s.line));
  const inRedis = await queue.stoppedLines();
  for (const line of recorded) if (!inRedis.has(line)) await queue.stopLine(line);
  for (const line of inRedis) if (!recorded.has(line)) await queue.resumeLine(line, { mode: "resume" });
}

/** Every job scheduled on record is in its partition's due-time index (adding one that is there changes nothing). */
async function restoreScheduledJobs(deps: ReconcileDeps): Promise<void> {
  let batch: ScheduledJob[] = [];
  for await (const job of scheduledJobs(deps.db, deps.queue.name)) {
    batch.push(scheduledEnvelopeOf(job));
    if (batch.length === 1_000) {
      await deps.queue.dueTimes.schedule(batch);
      batch = [];
    }
  }
  if (batch.length) await deps.queue.dueTimes.schedule(batch);
}

async function restoreScheduleTicks(deps: ReconcileDeps): Promise<void> {
  const ticks: { id: string; dueAt: number }[] = [];
  for await (const s of activeSchedules(deps.db, deps.queue.name))
    ticks.push({ id: s._id, dueAt: s.nextRunAt.getTime() });
  for (let i = 0; i < ticks.length; i += 1_000) await deps.queue.dueTimes.restoreTicks(ticks.slice(i, i + 1_000));
}
