// Schedules: a user's cron schedules, each making one job per tick (the worker fires them; see the worker's
// schedule-ticks.ts). Here they are made, read, changed and deleted. The record is written first; Redis's index of
// next ticks follows it, and the workers repair the index from the records whenever it lacks one.
import {
  countSchedules,
  type Db,
  deleteSchedule,
  findOwnSchedule,
  insertSchedule,
  listSchedules as listScheduleRecords,
  type ScheduleDoc,
  updateSchedule,
} from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import { CronError, parseCron } from "@lineup/jobs";
import type { Queue } from "@lineup/queue";
import { ObjectId } from "mongodb";
import type { z } from "zod";
import type { NewSchedule, ScheduleJob, SchedulePatch, ScheduleSchema } from "../../schemas/schedules";
import { checkCallbackUrls, checkPayloadLimits } from "../jobs";
import { decodeCursor, encodeCursor } from "../shared";

export type SchedulesDeps = {
  db: Db;
  queue: Queue;
  now: () => Date;
  /** MAX_SCHEDULES_PER_USER. */
  maxPerUser: number;
  maxPayloadBytes: number;
  /** CIDRs callback URLs may reach besides global unicast addresses (HTTP_JOB_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[];
};

export type ScheduleView = z.output<typeof ScheduleSchema>;

export const tooManySchedules = (limit: number) =>
  new AppError(409, "too_many_schedules", `You have ${limit} schedules already, as many as one user may; delete one.`);

const noSuchSchedule = () => errors.notFound("No such schedule.");
const indexUnavailable = (cause: unknown) =>
  errors.unavailable("Redis does not answer; nothing was changed. Try again shortly.", undefined, cause);

export async function createSchedule(deps: SchedulesDeps, ownerId: string, body: NewSchedule): Promise<ScheduleView> {
  const timezone = body.timezone ?? "UTC";
  const now = deps.now();
  const nextRunAt = firstTick(body.cron, timezone, now);
  const job = await checkedJob(deps, body.job, "job");
  if ((await countSchedules(deps.db, ownerId, deps.queue.name)) >= deps.maxPerUser) {
    throw tooManySchedules(deps.maxPerUser);
  }
  const doc: ScheduleDoc = {
    _id: new ObjectId().toHexString(),
    queue: deps.queue.name,
    ownerId,
    ...(body.name !== undefined ? { name: body.name } : {}),
    cron: body.cron.trim(),
    timezone,
    job,
    paused: body.paused ?? false,
    nextRunAt,
    createdAt: now,
    updatedAt: now,
  };
  await insertSchedule(deps.db, doc);
  if (!doc.paused) {
    await deps.queue.dueTimes.scheduleTick(doc._id, nextRunAt.getTime()).catch(async (err) => {
      // Not indexed, it would never fire: take it back, as a refused job is.
      await deleteSchedule(deps.db, doc._id, ownerId).catch(() => {});
      throw indexUnavailable(err);
    });
  }
  return viewOf(doc);
}

export async function getSchedule(deps: SchedulesDeps, ownerId: string, id: string): Promise<ScheduleView> {
  return viewOf(await own(deps, ownerId, id));
}

export async function listSchedules(
  deps: SchedulesDeps,
  ownerId: string,
  params: { limit: number; cursor?: string },
): Promise<{ items: ScheduleView[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  const page = await listScheduleRecords(deps.db, { ownerId, queue: deps.queue.name, limit: params.limit, after });
  return { items: page.items.map(viewOf), nextCursor: page.next ? encodeCursor(page.next) : null };
}

/** Every user's schedules of the queue, newest first (the operations console), each with its owner. */
export async function listAllSchedules(
  deps: Pick<SchedulesDeps, "db" | "queue">,
  params: { limit: number; cursor?: string },
): Promise<{ items: (ScheduleView & { ownerId: string })[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  const page = await listScheduleRecords(deps.db, { queue: deps.queue.name, limit: params.limit, after });
  return {
    items: page.items.map((doc) => ({ ...viewOf(doc), ownerId: doc.ownerId })),
    nextCursor: page.next ? encodeCursor(page.next) : null,
  };
}

/**
 * Changes what the patch names. A new cron or zone, or a resume, works the next tick out again from now; a pause takes
 * the schedule out of the index of next ticks.
 */
export async function patchSchedule(
  deps: SchedulesDeps,
  ownerId: string,
  id: string,
  patch: SchedulePatch,
): Promise<ScheduleView> {
  const current = await own(deps, ownerId, id);
  const cron = patch.cron?.trim() ?? current.cron;
  const timezone = patch.timezone ?? current.timezone;
  const paused = patch.paused ?? current.paused;
  const retimed = patch.cron !== undefined || patch.timezone !== undefined || (current.paused && !paused);
  const now = deps.now();
  const set: Partial<ScheduleDoc> = {
    cron,
    timezone,
    paused,
    updatedAt: now,
    ...(retimed ? { nextRunAt: firstTick(cron, timezone, now) } : {}),
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.job !== undefined ? { job: await checkedJob(deps, patch.job, "job") } : {}),
  };
  const updated = await updateSchedule(deps.db, id, ownerId, set);
  if (!updated) throw noSuchSchedule();
  // The record is changed; if Redis misses this, the workers follow the record when the old tick comes up, and the
  // periodic repair indexes a resumed schedule the index lacks.
  const index = updated.paused
    ? deps.queue.dueTimes.dropSchedule(id)
    : deps.queue.dueTimes.scheduleTick(id, updated.nextRunAt.getTime());
  await index.catch(() => {});
  return viewOf(updated);
}

export async function removeSchedule(deps: SchedulesDeps, ownerId: string, id: string): Promise<void> {
  if (!(await deleteSchedule(deps.db, id, ownerId))) throw noSuchSchedule();
  // A tick the index still holds finds no record and is dropped then.
  await deps.queue.dueTimes.dropSchedule(id).catch(() => {});
}

async function own(deps: SchedulesDeps, ownerId: string, id: string): Promise<ScheduleDoc> {
  const doc = /^[0-9a-f]{24}$/.test(id) ? await findOwnSchedule(deps.db, id, ownerId) : null;
  if (!doc || doc.queue !== deps.queue.name) throw noSuchSchedule();
  return doc;
}

/** The first tick after now; a bad expression or zone is a 422 naming the field. */
function firstTick(cron: string, timezone: string, now: Date): Date {
  try {
    return parseCron(cron, timezone).next(now) as Date;
  } catch (err) {
    if (err instanceof CronError) throw errors.validation([{ path: err.field, message: err.message }]);
    throw err;
  }
}

/** The job a tick makes, checked as a submission is (its type's schema ran already, in the route). */
async function checkedJob(deps: SchedulesDeps, job: ScheduleJob, at: string): Promise<ScheduleDoc["job"]> {
  checkPayloadLimits(job.payload, deps.maxPayloadBytes, `${at}.payload`);
  await checkCallbackUrls([job], deps.allowedNetworks, () => `${at}.callbackUrl`);
  return {
    type: job.type,
    payloadJson: JSON.stringify(job.payload),
    ...(job.group !== undefined ? { group: job.group } : {}),
    ...(job.maxAttempts !== undefined ? { maxAttempts: job.maxAttempts } : {}),
    ...(job.callbackUrl !== undefined ? { callbackUrl: job.callbackUrl } : {}),
    ...(job.onFailure !== undefined ? { onFailure: job.onFailure } : {}),
  };
}

function viewOf(doc: ScheduleDoc): ScheduleView {
  const { payloadJson, ...job } = doc.job;
  return {
    id: doc._id,
    ...(doc.name !== undefined ? { name: doc.name } : {}),
    cron: doc.cron,
    timezone: doc.timezone,
    job: { ...job, payload: JSON.parse(payloadJson) },
    paused: doc.paused,
    nextRunAt: doc.paused ? null : doc.nextRunAt.toISOString(),
    ...(doc.lastRunAt ? { lastRunAt: doc.lastRunAt.toISOString() } : {}),
    createdAt: doc.createdAt.toISOString(),
  };
}
