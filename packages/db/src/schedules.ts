// Schedules repository: a user's cron schedules, each making one job per tick. The record holds the next tick due
// (nextRunAt); Redis indexes it by that time, and a tick advances it with a write fenced on the tick it fired, so any
// number of processes move a schedule on once.
import type { OnFailure } from "@lineup/jobs";
import type { Db } from "mongodb";

/** The job a schedule makes at each tick, as it was given (its payload already checked against its type). */
export type ScheduleJobTemplate = {
  type: string;
  payloadJson: string;
  group?: string;
  maxAttempts?: number;
  callbackUrl?: string;
  onFailure?: OnFailure;
};

export type ScheduleDoc = {
  _id: string;
  queue: string;
  ownerId: string;
  name?: string;
  cron: string;
  timezone: string;
  job: ScheduleJobTemplate;
  paused: boolean;
  /** The next tick due (kept while paused: it is worked out again from now on resume). */
  nextRunAt: Date;
  /** The tick that made the last job. */
  lastRunAt?: Date;
  createdAt: Date;
  updatedAt: Date;
};

export const schedulesCollection = (db: Db) => db.collection<ScheduleDoc>("schedules");

export async function ensureScheduleIndexes(db: Db): Promise<void> {
  const schedules = schedulesCollection(db);
  await schedules.createIndex({ ownerId: 1, queue: 1, createdAt: -1, _id: -1 }, { name: "owner_newest" });
  await schedules.createIndex({ queue: 1, paused: 1 }, { name: "queue_paused" });
}

export async function insertSchedule(db: Db, doc: ScheduleDoc): Promise<void> {
  await schedulesCollection(db).insertOne(doc);
}

export async function findSchedule(db: Db, id: string): Promise<ScheduleDoc | null> {
  return schedulesCollection(db).findOne({ _id: id });
}

export async function findOwnSchedule(db: Db, id: string, ownerId: string): Promise<ScheduleDoc | null> {
  return schedulesCollection(db).findOne({ _id: id, ownerId });
}

export async function countSchedules(db: Db, ownerId: string, queue: string): Promise<number> {
  return schedulesCollection(db).countDocuments({ ownerId, queue });
}

/** The owner's schedules newest first; `after` is the last item of the previous page. */
export async function listSchedules(
  db: Db,
  params: { ownerId?: string; queue: string; limit: number; after?: { createdAt: Date; id: string } },
): Promise<{ items: ScheduleDoc[]; next?: { createdAt: Date; id: string } }> {
  const filter: Record<string, unknown> = {
    queue: params.queue,
    ...(params.ownerId !== undefined ? { ownerId: params.ownerId } : {}),
  };
  if (params.after) {
    filter.$or = [
      { createdAt: { $lt: params.after.createdAt } },
      { createdAt: params.after.createdAt, _id: { $lt: params.after.id } },
    ];
  }
  const docs = await schedulesCollection(db)
    .find(filter)
    .sort({ createdAt: -1, _id: -1 })
    .limit(params.limit + 1)
    .toArray();
  const items = docs.slice(0, params.limit);
  const last = items.at(-1);
  return { items, next: docs.length > params.limit && last ? { createdAt: last.createdAt, id: last._id } : undefined };
}

/** Changes the owner's schedule; null when it is not theirs (or gone). */
export async function updateSchedule(
  db: Db,
  id: string,
  ownerId: string,
  set: Partial<Omit<ScheduleDoc, "_id" | "ownerId" | "queue" | "createdAt">>,
): Promise<ScheduleDoc | null> {
  return schedulesCollection(db).findOneAndUpdate({ _id: id, ownerId }, { $set: set }, { returnDocument: "after" });
}

export async function deleteSchedule(db: Db, id: string, ownerId: string): Promise<boolean> {
  return (await schedulesCollection(db).deleteOne({ _id: id, ownerId })).deletedCount === 1;
}

/**
 * A tick fired: the schedule moves on to its next one, if it is still at the tick that fired (another process may
 * have moved it on first, or its owner changed it). Returns the schedule as it is after the write, or null if it did
 * not move it.
 */
export async function advanceSchedule(
  db: Db,
  params: { id: string; from: Date; lastRunAt: Date; nextRunAt: Date },
): Promise<ScheduleDoc | null> {
  return schedulesCollection(db).findOneAndUpdate(
    { _id: params.id, nextRunAt: params.from },
    { $set: { lastRunAt: params.lastRunAt, nextRunAt: params.nextRunAt } },
    { returnDocument: "after" },
  );
}

/** The queue's running (not paused) schedules, for the reconciler's rebuild of Redis's index. */
export function activeSchedules(db: Db, queue: string): AsyncIterable<Pick<ScheduleDoc, "_id" | "nextRunAt">> {
  return schedulesCollection(db).find({ queue, paused: false }, { projection: { _id: 1, nextRunAt: 1 } });
}
