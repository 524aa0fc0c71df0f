// Schedules fire here: a worker that finds a schedule's tick due in Redis's index makes the tick's job, then moves the
// schedule on to its next tick. The job's id derives from (schedule, tick), so however many workers fire the same tick,
// and whatever restarts fall between the steps, MongoDB's _id index keeps exactly one job for it. A tick the workers
// are only a little late for (CATCH_UP_MS) is made late rather than lost. Ticks missed for longer, while nothing ran
// (every worker down, the schedule's index lost), make one catch-up job, for the latest of them; the schedule then goes
// on from now.
import { createHash } from "node:crypto";
import {
  advanceSchedule,
  type Db,
  findSchedule,
  insertJob,
  isDuplicateKey,
  type ScheduleDoc,
  setJobSeq,
} from "@lineup/db";
import { changeOf, type DefaultGroup, type JobChange, newJobRecord, type OnFailure, parseCron } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import { type Queue, runDataOf } from "@lineup/queue";

export type ScheduleTicksDeps = {
  db: Db;
  queue: Queue;
  log: Logger;
  notify: (changes: JobChange[]) => void;
  defaultGroup: DefaultGroup;
  defaultOnFailure: OnFailure;
};

const BATCH = 100;
// Late by less than this, each missed tick is made; later than this, only the latest.
const CATCH_UP_MS = 10_000;
// A schedule far behind makes at most this many ticks' jobs per step; the next step goes on.
const TICKS_PER_STEP = 10;

/** The job id of a schedule's tick: the same for every process that fires it. */
export function tickJobId(scheduleId: string, tick: Date): string {
  return createHash("sha256").update(`schedule\n${scheduleId}\n${tick.toISOString()}`).digest("hex").slice(0, 24);
}

/** Fires the schedules whose tick is due; returns how many jobs this call made. */
export async function fireDueSchedules(deps: ScheduleTicksDeps, now = Date.now()): Promise<number> {
  let made = 0;
  for (const id of await deps.queue.dueTimes.dueSchedules(now, BATCH)) {
    try {
      made += await fireOne(deps, id, now);
    } catch (err) {
      // One schedule that cannot fire now (a store blinked) is tried again on the next step; the others go on.
      deps.log.warn("could not fire a schedule's tick; trying again", { scheduleId: id, error: err });
    }
  }
  return made;
}

/** Makes the schedule's due ticks' jobs (a few at most) and moves it on; returns how many jobs this call made. */
async function fireOne(deps: ScheduleTicksDeps, id: string, now: number): Promise<number> {
  const { db, queue } = deps;
  let schedule = await findSchedule(db, id);
  let made = 0;
  for (let step = 0; schedule && !schedule.paused && schedule.queue === queue.name; step++) {
    if (schedule.nextRunAt.getTime() > now || step === TICKS_PER_STEP) {
      // Not due (yet): the index follows the record, which may have been changed.
      await queue.dueTimes.scheduleTick(id, schedule.nextRunAt.getTime());
      return made;
    }
    const cron = parseCron(schedule.cron, schedule.timezone);
    const late = now - schedule.nextRunAt.getTime() > CATCH_UP_MS;
    const tick = late ? (cron.latest(new Date(now), schedule.nextRunAt) ?? schedule.nextRunAt) : schedule.nextRunAt;
    if (await makeTickJob(deps, schedule, tick)) made += 1;
    const next = cron.next(late ? new Date(Math.max(now, tick.getTime())) : tick);
    if (!next) break;
    const moved = await advanceSchedule(db, { id, from: schedule.nextRunAt, lastRunAt: tick, nextRunAt: next });
    // Moved on by another worker or by its owner meanwhile: the record says where it is now.
    schedule = moved ?? (await findSchedule(db, id));
  }
  await queue.dueTimes.dropSchedule(id);
  return made;
}

/** Records the tick's job and queues it; false when the tick's job exists already (another worker made it). */
async function makeTickJob(deps: ScheduleTicksDeps, schedule: ScheduleDoc, tick: Date): Promise<boolean> {
  const doc = newJobRecord({
    id: tickJobId(schedule._id, tick),
    queue: schedule.queue,
    ownerId: schedule.ownerId,
    ...schedule.job,
    defaultGroup: deps.defaultGroup,
    defaultOnFailure: deps.defaultOnFailure,
    createdAt: new Date(),
    scheduleId: schedule._id,
    scheduledFor: tick,
  });
  try {
    await insertJob(deps.db, doc);
  } catch (err) {
    // Its maker queued it, or crashed first: then the reconciler queues it, as any job recorded but not queued.
    if (isDuplicateKey(err)) return false;
    throw err;
  }
  const seq = await deps.queue.enqueue({
    id: doc._id,
    line: doc.line as string,
    type: doc.type,
    enqueuedAt: tick.getTime(),
    // Made now, never started: its first take may run it quick, as a submission's.
    run: runDataOf(doc),
  });
  await setJobSeq(deps.db, doc._id, seq).catch(() => {});
  deps.notify([changeOf({ ...doc, seq })]);
  deps.log.info("schedule fired", { scheduleId: schedule._id, jobId: doc._id, tick: tick.toISOString() });
  return true;
}
