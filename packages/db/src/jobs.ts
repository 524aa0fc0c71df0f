// Jobs repository: every read and write of the jobs collection, as fn(db, params).
// Worker-side state changes are conditional on (id, status, attempts): a stale worker's late write matches nothing.
import type { JobDoc, JobErrorInfo, JobStatus } from "@lineup/jobs";
import type { Db, Filter } from "mongodb";

export const jobsCollection = (db: Db) => db.collection<JobDoc>("jobs");

export async function ensureJobIndexes(db: Db): Promise<void> {
  const jobs = jobsCollection(db);
  await jobs.createIndex({ ownerId: 1, createdAt: -1, _id: -1 }, { name: "owner_newest" });
  await jobs.createIndex({ ownerId: 1, group: 1, createdAt: -1, _id: -1 }, { name: "owner_group_newest" });
  await jobs.createIndex({ queue: 1, status: 1, seq: 1 }, { name: "queue_status_seq" });
  await jobs.createIndex({ queue: 1, seq: -1 }, { name: "queue_seq" });
  await jobs.createIndex({ ownerId: 1, status: 1 }, { name: "owner_status" });
}

export async function insertJob(db: Db, doc: JobDoc): Promise<void> {
  await jobsCollection(db).insertOne(doc);
}

/** Records the seq Redis assigned. Only the seq field changes, and the worker writes the same value when it
 * starts the job, so a plain update by _id is safe. */
export async function setJobSeq(db: Db, id: string, seq: number): Promise<void> {
  await jobsCollection(db).updateOne({ _id: id }, { $set: { seq } });
}

/** Undoes an insert the queue never accepted (the 503 path): nothing stays behind. */
export async function deleteUnsequencedJob(db: Db, id: string): Promise<void> {
  await jobsCollection(db).deleteOne({ _id: id, status: "queued", seq: { $exists: false } });
}

export async function findJob(db: Db, id: string): Promise<JobDoc | null> {
  return jobsCollection(db).findOne({ _id: id });
}

export async function findOwnJob(db: Db, id: string, ownerId: string): Promise<JobDoc | null> {
  return jobsCollection(db).findOne({ _id: id, ownerId });
}

export type Page = { items: JobDoc[]; next?: { createdAt: Date; id: string } };

/** The owner's jobs, newest first; `after` is the last item of the previous page. */
export async function listOwnJobs(
  db: Db,
  params: {
    ownerId: string;
    status?: JobStatus;
    group?: string;
    limit: number;
    after?: { createdAt: Date; id: string };
  },
): Promise<Page> {
  const filter: Filter<JobDoc> = { ownerId: params.ownerId };
  if (params.status) filter.status = params.status;
  if (params.group !== undefined) filter.group = params.group;
  if (params.after) {
    filter.$or = [
      { createdAt: { $lt: params.after.createdAt } },
      { createdAt: params.after.createdAt, _id: { $lt: params.after.id } },
    ];
  }
  const docs = await jobsCollection(db)
    .find(filter)
    .sort({ createdAt: -1, _id: -1 })
    .limit(params.limit + 1)
    .toArray();
  const items = docs.slice(0, params.limit);
  const last = items.at(-1);
  return { items, next: docs.length > params.limit && last ? { createdAt: last.createdAt, id: last._id } : undefined };
}

/** queued -> canceled for the owner's job; null when it is missing, someone else's, or past queued. */
export async function cancelQueuedJob(db: Db, id: string, ownerId: string, now: Date): Promise<JobDoc | null> {
  return jobsCollection(db).findOneAndUpdate(
    { _id: id, ownerId, status: "queued" },
    { $set: { status: "canceled", finishedAt: now } },
    { returnDocument: "after" },
  );
}

/** queued -> running, attempt 1 (or n+1 after a retry's backoff or a shutdown put it back). */
export async function startJob(
  db: Db,
  params: { id: string; seq: number; workerId: string; now: Date },
): Promise<JobDoc | null> {
  return jobsCollection(db).findOneAndUpdate(
    { _id: params.id, status: "queued" },
    {
      $set: { status: "running", seq: params.seq, startedAt: params.now, workerId: params.workerId },
      $min: { firstStartedAt: params.now },
      $unset: { retryAt: "" },
      $inc: { attempts: 1 },
    },
    { returnDocument: "after" },
  );
}

/** running at `attempts` -> queued until retryAt: the attempt failed and the next one waits out its backoff. */
export async function retryJobLater(
  db: Db,
  params: { id: string; attempts: number; error: JobErrorInfo; retryAt: Date },
): Promise<boolean> {
  const res = await jobsCollection(db).updateOne(
    { _id: params.id, status: "running", attempts: params.attempts },
    { $set: { status: "queued", error: params.error, retryAt: params.retryAt }, $unset: { startedAt: "" } },
  );
  return res.modifiedCount === 1;
}

/** running at `attempts` -> running at attempts+1: the takeover of a run a crash interrupted. */
export async function nextAttempt(
  db: Db,
  params: { id: string; attempts: number; workerId: string; now: Date },
): Promise<JobDoc | null> {
  return jobsCollection(db).findOneAndUpdate(
    { _id: params.id, status: "running", attempts: params.attempts },
    { $set: { startedAt: params.now, workerId: params.workerId }, $inc: { attempts: 1 } },
    { returnDocument: "after" },
  );
}

/** running at `attempts` -> succeeded | failed. False when a newer attempt owns the job. */
export async function finishJob(
  db: Db,
  params: { id: string; attempts: number; now: Date } & (
    | { status: "succeeded"; result: unknown }
    | { status: "failed"; error: JobErrorInfo }
  ),
): Promise<boolean> {
  const set: Partial<JobDoc> =
    params.status === "succeeded"
      ? { status: "succeeded", resultJson: JSON.stringify(params.result ?? null), finishedAt: params.now }
      : { status: "failed", error: params.error, finishedAt: params.now };
  const update = params.status === "succeeded" ? { $set: set, $unset: { error: "" as const } } : { $set: set };
  const res = await jobsCollection(db).updateOne(
    { _id: params.id, status: "running", attempts: params.attempts },
    update,
  );
  return res.modifiedCount === 1;
}

/** running at `attempts` -> queued (shutdown returned it to the head of the queue). */
export async function requeueJob(db: Db, id: string, attempts: number): Promise<boolean> {
  const res = await jobsCollection(db).updateOne(
    { _id: id, status: "running", attempts },
    { $set: { status: "queued" }, $unset: { startedAt: "" } },
  );
  return res.modifiedCount === 1;
}

/** The highest seq recorded for the queue (0 if none): the floor for Redis's counter. */
export async function maxSeq(db: Db, queue: string): Promise<number> {
  const top = await jobsCollection(db)
    .find({ queue, seq: { $exists: true } }, { projection: { seq: 1 } })
    .sort({ seq: -1 })
    .limit(1)
    .next();
  return top?.seq ?? 0;
}

export type HeldJob = Pick<
  JobDoc,
  "_id" | "status" | "attempts" | "seq" | "line" | "type" | "createdAt" | "requestId" | "workerId"
>;

/**
 * Jobs Redis should hold, in seq order: queued ones, or with `running` the running ones.
 * withoutSeqBefore: only queued jobs Redis never confirmed, created before then.
 */
export function jobsRedisHolds(
  db: Db,
  params: { queue: string; status?: "queued" | "running"; withoutSeqBefore?: Date },
): AsyncIterable<HeldJob> {
  const filter: Filter<JobDoc> = params.withoutSeqBefore
    ? { queue: params.queue, status: "queued", seq: { $exists: false }, createdAt: { $lt: params.withoutSeqBefore } }
    : { queue: params.queue, status: params.status ?? "queued" };
  return jobsCollection(db)
    .find(filter, {
      projection: { _id: 1, status: 1, attempts: 1, seq: 1, line: 1, type: 1, createdAt: 1, requestId: 1, workerId: 1 },
    })
    .sort({ seq: 1, createdAt: 1 });
}

/** How many of the owner's jobs are queued, counting no further than `upTo` (the quota check needs no more). */
export async function countQueuedJobs(db: Db, ownerId: string, upTo: number): Promise<number> {
  return jobsCollection(db).countDocuments({ ownerId, status: "queued" }, { limit: upTo });
}

/** Queued jobs in the queue (a metrics gauge). */
export async function countQueueJobs(db: Db, queue: string, status: "queued" | "running"): Promise<number> {
  return jobsCollection(db).countDocuments({ queue, status });
}
