// Jobs repository: every read and write of the jobs collection, as fn(db, params).
// Worker-side state changes are conditional on (id, status, attempts): a stale worker's late write matches nothing.
import { type AttemptOutcome, type JobDoc, type JobErrorInfo, type JobStatus, pendingCallback } from "@lineup/jobs";
import { type Db, type Filter, MongoBulkWriteError, ObjectId, type WriteError } from "mongodb";
import { isMongoUnavailable, RefusedDocument } from "./errors";

export const jobsCollection = (db: Db) => db.collection<JobDoc>("jobs");

/** Every index of the jobs collection, in one round trip (createIndexes; a no-op for those that exist). */
export async function ensureJobIndexes(db: Db): Promise<void> {
  await jobsCollection(db).createIndexes([
    { key: { ownerId: 1, createdAt: -1, _id: -1 }, name: "owner_newest" },
    { key: { ownerId: 1, group: 1, createdAt: -1, _id: -1 }, name: "owner_group_newest" },
    { key: { queue: 1, status: 1, seq: 1 }, name: "queue_status_seq" },
    { key: { queue: 1, seq: -1 }, name: "queue_seq" },
    { key: { ownerId: 1, status: 1 }, name: "owner_status" },
    { key: { queue: 1, createdAt: -1, _id: -1 }, name: "queue_newest" },
    { key: { queue: 1, finishedAt: -1 }, name: "queue_finished" },
    // A schedule's jobs, newest first (GET /v1/jobs?scheduleId=).
    { key: { ownerId: 1, scheduleId: 1, createdAt: -1, _id: -1 }, name: "owner_schedule_newest" },
    // A queued job's position: the jobs ahead of it in its line, counted from this index and bounded.
    { key: { queue: 1, line: 1, status: 1, seq: 1 }, name: "queue_line_status_seq" },
    // Webhook deliveries that are due (or whose claim lapsed): only final jobs with an unsettled callback have dueAt.
    { key: { "callback.dueAt": 1 }, name: "callback_due", sparse: true },
    // The jobs of batches not yet in Redis whole (a handful at any time): the reconciler commits the ones an api left.
    { key: { batchPending: 1 }, name: "batch_pending", sparse: true },
    // Finished jobs carry expireAt (their end + JOB_RETENTION); queued and running ones never do.
    { key: { expireAt: 1 }, name: "expire_finished", expireAfterSeconds: 0 },
  ]);
}

export async function insertJob(db: Db, doc: JobDoc): Promise<void> {
  await jobsCollection(db).insertOne(doc);
}

/**
 * Inserts a batch's jobs in one round trip. Unordered, so every job is tried whatever another one meets (ordered
 * inserts stop at the first failure on MongoDB but not on every Mongo-wire server): after a failure, the jobs that
 * refusedInserts does not name were inserted.
 */
export async function insertJobs(db: Db, docs: JobDoc[]): Promise<void> {
  await jobsCollection(db).insertMany(docs, { ordered: false });
}

/**
 * Inserts jobs of unrelated requests in one round trip (insertJobs) and says how each fared: null when it is on
 * record, else its own RefusedDocument (a duplicate _id, say). Throws when the write as a whole failed (MongoDB away,
 * a write concern not met), as a lone insert would have.
 */
export async function insertEachJob(db: Db, docs: JobDoc[]): Promise<(RefusedDocument | null)[]> {
  try {
    await insertJobs(db, docs);
    return docs.map(() => null);
  } catch (err) {
    const refused = refusedDocuments(err);
    if (!refused) throw err;
    const byIndex = new Map(refused.map((e) => [e.index, e]));
    return docs.map((_, i) => {
      const e = byIndex.get(i);
      return e ? new RefusedDocument(e.code, e.errmsg ?? "insert refused", { cause: err }) : null;
    });
  }
}

/** The indexes of the documents an insertJobs that failed did not insert, or null if it cannot tell. */
export function refusedInserts(err: unknown): Set<number> | null {
  const refused = refusedDocuments(err);
  return refused ? new Set(refused.map((e) => e.index)) : null;
}

/**
 * The documents a multi-document write refused one by one, or null when it failed as a whole (MongoDB away, a write
 * concern not met: the driver wraps those in a MongoBulkWriteError with no write errors) or is no such error.
 */
function refusedDocuments(err: unknown): WriteError[] | null {
  if (!(err instanceof MongoBulkWriteError) || err.err) return null;
  const refused = [err.writeErrors].flat();
  return refused.length ? refused : null;
}

/** Records the seqs Redis assigned to a batch, in one round trip (see setJobSeq). */
export async function setJobSeqs(db: Db, seqs: { id: string; seq: number }[]): Promise<void> {
  await jobsCollection(db).bulkWrite(
    seqs.map(({ id, seq }) => ({ updateOne: { filter: { _id: id }, update: { $set: { seq } } } })),
    { ordered: false },
  );
}

/** Undoes inserts the queue never accepted (the 503 path): nothing stays behind. */
export async function deleteUnsequencedJobs(db: Db, ids: string[]): Promise<void> {
  await jobsCollection(db).deleteMany({
    _id: { $in: ids },
    status: { $in: ["queued", "scheduled"] },
    seq: { $exists: false },
  });
}

/**
 * A batch whose lines span partitions reaches Redis in one step per partition, and a Redis Cluster master can die
 * between two of them. Its jobs are recorded with batchPending (no worker starts or releases them) until every step
 * took: then commitBatch makes them runnable at once, or withdrawBatch deletes them all (none can have run).
 */
export async function commitBatch(db: Db, batchId: string): Promise<void> {
  await jobsCollection(db).updateMany({ batchPending: batchId }, { $unset: { batchPending: "" } });
}

/** Deletes a batch that is still pending (see commitBatch); a batch committed meanwhile is left as it is. */
export async function withdrawBatch(db: Db, batchId: string): Promise<void> {
  await jobsCollection(db).deleteMany({ batchPending: batchId });
}

/**
 * Batches still pending from before `before`: their api stopped between the batch's Redis steps and its commit. As for
 * a single job recorded by an api that crashed before queueing it, the record wins: the reconciler commits them.
 */
export async function stalePendingBatches(db: Db, queue: string, before: Date): Promise<string[]> {
  const docs = await jobsCollection(db)
    .find({ batchPending: { $exists: true }, queue, createdAt: { $lt: before } }, { projection: { batchPending: 1 } })
    .toArray();
  return [...new Set(docs.map((d) => d.batchPending as string))];
}

/** Jobs by id, in the order of `ids`; a missing one is null. */
export async function findJobs(db: Db, ids: string[]): Promise<(JobDoc | null)[]> {
  const found = await jobsCollection(db)
    .find({ _id: { $in: ids } })
    .toArray();
  const byId = new Map(found.map((doc) => [doc._id, doc]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Records the seq Redis assigned. Only the seq field changes, and the worker writes the same value when it
 * starts the job, so a plain update by _id is safe. */
export async function setJobSeq(db: Db, id: string, seq: number): Promise<void> {
  await jobsCollection(db).updateOne({ _id: id }, { $set: { seq } });
}

export async function findJob(db: Db, id: string): Promise<JobDoc | null> {
  return jobsCollection(db).findOne({ _id: id });
}

export async function findOwnJob(db: Db, id: string, ownerId: string): Promise<JobDoc | null> {
  return jobsCollection(db).findOne({ _id: id, ownerId });
}

export type Page = { items: JobDoc[]; next?: { createdAt: Date; id: string } };

export type JobFilter = {
  /** Only this owner's jobs (users see their own; admins may name one). */
  ownerId?: string;
  queue?: string;
  status?: JobStatus;
  type?: string;
  group?: string;
  /** Only the jobs this schedule made. */
  scheduleId?: string;
  /** Created at or after / before. */
  from?: Date;
  to?: Date;
};

function jobFilter(f: JobFilter): Filter<JobDoc> {
  const filter: Filter<JobDoc> = {};
  if (f.ownerId !== undefined) filter.ownerId = f.ownerId;
  if (f.queue !== undefined) filter.queue = f.queue;
  if (f.status) filter.status = f.status;
  if (f.type !== undefined) filter.type = f.type;
  if (f.group !== undefined) filter.group = f.group;
  if (f.scheduleId !== undefined) filter.scheduleId = f.scheduleId;
  if (f.from || f.to) filter.createdAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return filter;
}

/** Jobs newest first; `after` is the last item of the previous page. */
export async function listJobs(
  db: Db,
  params: JobFilter & { limit: number; after?: { createdAt: Date; id: string } },
): Promise<Page> {
  const filter = jobFilter(params);
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

/** Failed jobs matching the filter, oldest first (a redrive keeps their relative order), at most `limit`. */
export async function failedJobIds(db: Db, filter: JobFilter, limit: number): Promise<string[]> {
  const docs = await jobsCollection(db)
    .find({ ...jobFilter(filter), status: "failed" }, { projection: { _id: 1 } })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit)
    .toArray();
  return docs.map((d) => d._id);
}

/**
 * failed -> queued, without a seq: the job runs again, at the tail of its line once Redis assigns it a new seq.
 * Its attempts keep counting (fencing relies on that); it may use its original allowance once more. The failure
 * stays in its history. Returns the job as it was (to undo with restoreFailedJob) and as it is now, or null when it
 * was not failed.
 */
export async function requeueFailedJob(db: Db, id: string): Promise<{ before: JobDoc; after: JobDoc } | null> {
  const jobs = jobsCollection(db);
  const before = await jobs.findOne({ _id: id, status: "failed" });
  if (!before) return null;
  const perRun = before.attemptsPerRun ?? before.maxAttempts;
  // A webhook is sent again for the job's next final state, as a new message.
  const callback = before.callback ? { callback: pendingCallback(before.callback.url) } : {};
  const after = await jobs.findOneAndUpdate(
    { _id: id, status: "failed", attempts: before.attempts },
    {
      $set: { status: "queued", maxAttempts: before.attempts + perRun, attemptsPerRun: perRun, ...callback },
      $unset: { seq: "", error: "", finishedAt: "", resultJson: "", expireAt: "", retryAt: "", startedAt: "" },
    },
    { returnDocument: "after" },
  );
  return after ? { before, after } : null;
}

/**
 * A job that halted its line runs again first: failed -> queued with its seq kept (it is still its line's head) and its
 * original allowance of attempts. null when it is not the failed job that halted its line.
 */
export async function retryHaltedJob(db: Db, id: string): Promise<JobDoc | null> {
  const jobs = jobsCollection(db);
  const before = await jobs.findOne({ _id: id, status: "failed", haltedLine: true });
  if (!before) return null;
  const perRun = before.attemptsPerRun ?? before.maxAttempts;
  const callback = before.callback ? { callback: pendingCallback(before.callback.url) } : {};
  return jobs.findOneAndUpdate(
    { _id: id, status: "failed", attempts: before.attempts },
    {
      $set: { status: "queued", maxAttempts: before.attempts + perRun, attemptsPerRun: perRun, ...callback },
      $unset: { haltedLine: "", error: "", finishedAt: "", resultJson: "", expireAt: "", retryAt: "", startedAt: "" },
    },
    { returnDocument: "after" },
  );
}

/** The line a failed job halted goes on without it: the job stays failed, and no longer halts anything. */
export async function releaseHaltedJob(db: Db, id: string): Promise<JobDoc | null> {
  return jobsCollection(db).findOneAndUpdate(
    { _id: id, haltedLine: true },
    { $unset: { haltedLine: "" } },
    { returnDocument: "after" },
  );
}

/** How many of a line's jobs are scheduled, queued and running (a group's view). */
export async function countLineJobs(
  db: Db,
  queue: string,
  line: string,
): Promise<{ scheduled: number; queued: number; running: number }> {
  const jobs = jobsCollection(db);
  const [scheduled, queued, running] = await Promise.all(
    (["scheduled", "queued", "running"] as const).map((status) => jobs.countDocuments({ queue, line, status })),
  );
  return { scheduled: scheduled ?? 0, queued: queued ?? 0, running: running ?? 0 };
}

/** The owner's groups that have jobs waiting or running, with how many in each status (at most `limit` groups). */
export async function ownerGroupCounts(
  db: Db,
  params: { queue: string; ownerId: string; limit: number },
): Promise<Map<string, { scheduled: number; queued: number; running: number }>> {
  const rows = await jobsCollection(db)
    .aggregate<{ _id: { group: string; status: "scheduled" | "queued" | "running" }; n: number }>([
      {
        $match: {
          ownerId: params.ownerId,
          queue: params.queue,
          status: { $in: ["scheduled", "queued", "running"] },
          group: { $exists: true },
        },
      },
      { $group: { _id: { group: "$group", status: "$status" }, n: { $sum: 1 } } },
      { $sort: { "_id.group": 1 } },
      { $limit: params.limit * 3 },
    ])
    .toArray();
  const counts = new Map<string, { scheduled: number; queued: number; running: number }>();
  for (const row of rows) {
    const c = counts.get(row._id.group) ?? { scheduled: 0, queued: 0, running: 0 };
    c[row._id.status] = row.n;
    counts.set(row._id.group, c);
  }
  return counts;
}

/** Undoes requeueFailedJob when Redis would not take the job: it is failed again, exactly as it was. */
export async function restoreFailedJob(db: Db, before: JobDoc): Promise<void> {
  const { _id, ...fields } = before;
  await jobsCollection(db).replaceOne({ _id, status: "queued", seq: { $exists: false } }, fields);
}

/** Queued jobs per line, the longest lines first (the operations console's view of groups). */
export async function queuedByLine(
  db: Db,
  queue: string,
  limit: number,
): Promise<{ line: string; queued: number; oldestCreatedAt: Date }[]> {
  const rows = await jobsCollection(db)
    .aggregate<{ _id: string | null; queued: number; oldestCreatedAt: Date }>([
      { $match: { queue, status: "queued" } },
      { $group: { _id: "$line", queued: { $sum: 1 }, oldestCreatedAt: { $min: "$createdAt" } } },
      { $sort: { queued: -1, _id: 1 } },
      { $limit: limit },
    ])
    .toArray();
  return rows.map((r) => ({ line: r._id ?? "q", queued: r.queued, oldestCreatedAt: r.oldestCreatedAt }));
}

/** Jobs of the queue that reached a final state since then (throughput). */
export async function countFinishedSince(db: Db, queue: string, since: Date): Promise<number> {
  return jobsCollection(db).countDocuments({ queue, finishedAt: { $gte: since } });
}

/**
 * scheduled or queued (waiting, or waiting out a retry) -> canceled; with `running`, a running job too (an admin's cancel: the
 * worker aborts its handler). null when the job is missing, not the owner's (when one is given), past that, or
 * changed between the read and the write. The job's webhook becomes due in the same write.
 */
export async function cancelJob(
  db: Db,
  params: {
    id: string;
    ownerId?: string;
    now: Date;
    expireAt: Date;
    running?: boolean;
    /** Called with the job as read, before the write; false leaves the job as it is (the call returns null). */
    mayCancel?: (current: JobDoc) => Promise<boolean>;
  },
): Promise<JobDoc | null> {
  const jobs = jobsCollection(db);
  const current = await jobs.findOne({
    _id: params.id,
    status: { $in: params.running ? ["scheduled", "queued", "running"] : ["scheduled", "queued"] },
    ...(params.ownerId !== undefined ? { ownerId: params.ownerId } : {}),
  });
  if (!current) return null;
  if (params.mayCancel && !(await params.mayCancel(current))) return null;
  const set: Record<string, unknown> = {
    status: "canceled",
    finishedAt: params.now,
    expireAt: params.expireAt,
    ...(current.status === "running" ? attemptEnd(current.attempts, params.now, "canceled") : {}),
    ...callbackDue(current.callback !== undefined, params.now),
  };
  return jobs.findOneAndUpdate(
    { _id: params.id, status: current.status, attempts: current.attempts },
    { $set: set, $unset: { retryAt: "" } },
    { returnDocument: "after" },
  );
}

/** The field that makes a final job's webhook due, for jobs that have one. */
function callbackDue(hasCallback: boolean, now: Date): Record<string, Date> {
  return hasCallback ? { "callback.dueAt": now } : {};
}

export type StartParams = { id: string; seq: number; workerId: string; now: Date };

const startUpdate = (p: StartParams, attemptId?: string) => ({
  $set: {
    status: "running" as const,
    seq: p.seq,
    startedAt: p.now,
    workerId: p.workerId,
    ...(attemptId ? { attemptId } : {}),
  },
  $min: { firstStartedAt: p.now },
  $unset: { retryAt: "" as const },
  $inc: { attempts: 1 },
  $push: { history: { workerId: p.workerId, startedAt: p.now } },
});

/** The fields that record how the attempt at `attempts` ended (attempt n is history[n - 1]). */
function attemptEnd(attempts: number, now: Date, outcome: AttemptOutcome, error?: JobErrorInfo) {
  const at = `history.${Math.max(0, attempts - 1)}`;
  return {
    [`${at}.endedAt`]: now,
    [`${at}.outcome`]: outcome,
    ...(error ? { [`${at}.error`]: error } : {}),
  };
}

/** queued -> running, attempt 1 (or n+1 after a retry's backoff or a shutdown put it back). */
/** A job a worker may start: queued, and not of a batch still on its way into Redis. */
const startable = (id: string) => ({ _id: id, status: "queued" as const, batchPending: { $exists: false } });

export async function startJob(db: Db, params: StartParams): Promise<JobDoc | null> {
  return jobsCollection(db).findOneAndUpdate(startable(params.id), startUpdate(params), {
    returnDocument: "after",
  });
}

/**
 * startJob for several jobs in two round trips instead of one each: one bulk write marks every start with a token
 * new to this call, one read returns the jobs that carry it. A job another start won (or that was canceled) is null.
 */
export async function startJobs(db: Db, params: StartParams[]): Promise<(JobDoc | null)[]> {
  if (params.length === 1) return [await startJob(db, params[0] as StartParams)];
  const attemptId = new ObjectId().toHexString();
  const jobs = jobsCollection(db);
  await jobs.bulkWrite(
    params.map((p) => ({ updateOne: { filter: startable(p.id), update: startUpdate(p, attemptId) } })),
    { ordered: false },
  );
  const started = await jobs.find({ _id: { $in: params.map((p) => p.id) }, attemptId }).toArray();
  const byId = new Map(started.map((d) => [d._id, d]));
  return params.map((p) => byId.get(p.id) ?? null);
}

/** running at `attempts` -> queued until retryAt: the attempt failed and the next one waits out its backoff. */
export async function retryJobLater(
  db: Db,
  params: { id: string; attempts: number; error: JobErrorInfo; retryAt: Date; now: Date },
): Promise<boolean> {
  const res = await jobsCollection(db).updateOne(
    { _id: params.id, status: "running", attempts: params.attempts },
    {
      $set: {
        status: "queued",
        error: params.error,
        retryAt: params.retryAt,
        ...attemptEnd(params.attempts, params.now, "retry", params.error),
      },
      $unset: { startedAt: "" },
    },
  );
  return res.modifiedCount === 1;
}

/** running at `attempts` -> running at attempts+1: the takeover of a run a crash interrupted (left without an end). */
export async function nextAttempt(
  db: Db,
  params: { id: string; attempts: number; workerId: string; now: Date },
): Promise<JobDoc | null> {
  return jobsCollection(db).findOneAndUpdate(
    { _id: params.id, status: "running", attempts: params.attempts },
    {
      $set: { startedAt: params.now, workerId: params.workerId },
      $inc: { attempts: 1 },
      $push: { history: { workerId: params.workerId, startedAt: params.now } },
    },
    { returnDocument: "after" },
  );
}

/** A quick run's start (its first attempt, never written): the finish records it along with the end. */
export type QuickStart = { seq: number; workerId: string; startedAt: Date };

export type FinishParams = {
  id: string;
  attempts: number;
  now: Date;
  /** The run began without a recorded start: the job is queued at attempts 0 on record until this write. */
  quick?: QuickStart;
  /** The job has a webhook: the same write makes its delivery due. */
  hasCallback?: boolean;
  /** When the finished job may be removed (its end + JOB_RETENTION). */
  expireAt: Date;
} & ({ status: "succeeded"; result: unknown } | { status: "failed"; error: JobErrorInfo; halts?: boolean });

/** The fenced write that records a job's end: only the run at `attempts` may record it. */
function finishWrite(params: FinishParams) {
  const common = {
    finishedAt: params.now,
    expireAt: params.expireAt,
    ...callbackDue(params.hasCallback === true, params.now),
  };
  const set =
    params.status === "succeeded"
      ? {
          ...common,
          status: "succeeded" as const,
          resultJson: JSON.stringify(params.result ?? null),
          ...attemptEnd(params.attempts, params.now, "succeeded"),
        }
      : {
          ...common,
          status: "failed" as const,
          error: params.error,
          // Recorded with the failure itself, so whoever reads the failed job (a webhook, a recovering worker) knows.
          ...(params.halts ? { haltedLine: true } : {}),
          ...attemptEnd(params.attempts, params.now, "failed", params.error),
        };
  const filter: Filter<JobDoc> = { _id: params.id, status: "running", attempts: params.attempts };
  const update = params.status === "succeeded" ? { $set: set, $unset: { error: "" as const } } : { $set: set };
  return params.quick ? quickFinishWrite(params, params.quick, update) : { filter, update };
}

/**
 * The end of a quick run: the job goes from queued at attempts 0 (as inserted, started by no one) to its end in one
 * write, which records the start too. The fence is the same as a start's: not canceled, not taken by a run that
 * recorded its start (a slot that found the job's quick run cut short), not of a batch still on its way.
 */
function quickFinishWrite(
  params: FinishParams,
  quick: QuickStart,
  ending: { $set: Record<string, unknown>; $unset?: Record<string, ""> },
) {
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ending.$set)) if (!key.startsWith("history.")) set[key] = value;
  const error = params.status === "failed" ? { error: params.error } : {};
  const attempt = { workerId: quick.workerId, startedAt: quick.startedAt, endedAt: params.now, outcome: params.status };
  const filter: Filter<JobDoc> = { ...startable(params.id), attempts: 0 };
  const update = {
    $set: {
      ...set,
      attempts: 1,
      seq: quick.seq,
      workerId: quick.workerId,
      startedAt: quick.startedAt,
      firstStartedAt: quick.startedAt,
      history: [{ ...attempt, ...error }],
    },
    $unset: { ...ending.$unset, retryAt: "" as const },
  };
  return { filter, update };
}

/** running at `attempts` -> succeeded | failed. False when a newer attempt owns the job. */
export async function finishJob(db: Db, params: FinishParams): Promise<boolean> {
  const { filter, update } = finishWrite(params);
  return (await jobsCollection(db).updateOne(filter, update)).modifiedCount === 1;
}

/**
 * finishJob for several jobs in one bulk write. When fewer documents changed than asked (a fenced-out write, or a
 * result MongoDB refused), one read tells which ones: a job is recorded if it now shows exactly this finish.
 * Each entry is true, false (a newer attempt owns the job), or the error that refused that job's write.
 */
export async function finishJobs(db: Db, params: FinishParams[]): Promise<(boolean | Error)[]> {
  if (params.length === 1) {
    return [await finishJob(db, params[0] as FinishParams).catch((err: Error) => err)];
  }
  const jobs = jobsCollection(db);
  const refused = new Map<number, Error>();
  try {
    const res = await jobs.bulkWrite(
      params.map((p) => ({ updateOne: finishWrite(p) })),
      { ordered: false },
    );
    if (res.modifiedCount === params.length) return params.map(() => true);
  } catch (err) {
    if (isMongoUnavailable(err)) throw err;
    const writeErrors = (err as { writeErrors?: { index: number; errmsg?: string }[] }).writeErrors;
    // Refused before it was sent (a result too large to serialize, say): nothing was written, so one at a time
    // tells each job its own fate.
    if (!writeErrors) return Promise.all(params.map((p) => finishJob(db, p).catch((e: Error) => e)));
    for (const e of writeErrors) refused.set(e.index, new Error(e.errmsg ?? "write refused"));
  }
  const now = await jobs
    .find({ _id: { $in: params.map((p) => p.id) } }, { projection: { status: 1, attempts: 1, finishedAt: 1 } })
    .toArray();
  const byId = new Map(now.map((d) => [d._id, d]));
  return params.map((p, i) => {
    const refusal = refused.get(i);
    if (refusal) return refusal;
    const d = byId.get(p.id);
    return d?.status === p.status && d.attempts === p.attempts && d.finishedAt?.getTime() === p.now.getTime();
  });
}

/** The running attempt's latest progress report; nothing when a newer attempt (or the end) is on record. */
export async function recordProgress(
  db: Db,
  params: { id: string; attempts: number; progress: { percent: number; message?: string; at: Date } },
): Promise<void> {
  await jobsCollection(db).updateOne(
    { _id: params.id, status: "running", attempts: params.attempts },
    { $set: { progress: params.progress } },
  );
}

/** running at `attempts` -> queued (shutdown returned it to the head of its line). */
export async function requeueJob(db: Db, id: string, attempts: number, now: Date): Promise<boolean> {
  const res = await jobsCollection(db).updateOne(
    { _id: id, status: "running", attempts },
    { $set: { status: "queued", ...attemptEnd(attempts, now, "returned") }, $unset: { startedAt: "" } },
  );
  return res.modifiedCount === 1;
}

/**
 * The highest seq recorded for the queue (0 if none): the floor for Redis's counter. With partitions, the highest in
 * one of them (its seqs are n * partitions + partition).
 */
export async function maxSeq(db: Db, queue: string, partitions = 1, partition = 0): Promise<number> {
  const seq = partitions === 1 ? { $exists: true } : { $mod: [partitions, partition] as [number, number] };
  const top = await jobsCollection(db)
    .find({ queue, seq }, { projection: { seq: 1 } })
    .sort({ seq: -1 })
    .limit(1)
    .next();
  return top?.seq ?? 0;
}

export type HeldJob = Pick<
  JobDoc,
  "_id" | "status" | "attempts" | "seq" | "line" | "type" | "createdAt" | "requestId" | "workerId" | "runAt"
>;

/**
 * Jobs Redis should hold, in seq order: queued ones, or with `running` the running ones.
 * withoutSeqBefore: only queued jobs Redis never confirmed, created before then.
 */
export function jobsRedisHolds(
  db: Db,
  params: { queue: string; status?: "queued" | "running"; withoutSeqBefore?: Date },
): AsyncIterable<HeldJob> {
  // A job that was scheduled counts from when it entered its line (queuedAt), not from its submission.
  const before = params.withoutSeqBefore;
  const filter: Filter<JobDoc> = before
    ? {
        queue: params.queue,
        status: "queued",
        seq: { $exists: false },
        $or: [{ queuedAt: { $lt: before } }, { queuedAt: { $exists: false }, createdAt: { $lt: before } }],
      }
    : { queue: params.queue, status: params.status ?? "queued" };
  return jobsCollection(db)
    .find(filter, {
      projection: {
        _id: 1,
        status: 1,
        attempts: 1,
        seq: 1,
        line: 1,
        type: 1,
        createdAt: 1,
        requestId: 1,
        workerId: 1,
        runAt: 1,
      },
    })
    .sort({ seq: 1, createdAt: 1 });
}

/** Of these job ids, the ones canceled on record (a worker stops their handlers). */
export async function canceledAmong(db: Db, ids: string[]): Promise<string[]> {
  const docs = await jobsCollection(db)
    .find({ _id: { $in: ids }, status: "canceled" }, { projection: { _id: 1 } })
    .toArray();
  return docs.map((d) => d._id);
}

/**
 * How many of the owner's jobs wait (queued, or scheduled for later), counting no further than `upTo` (the quota
 * check needs no more).
 */
export async function countQueuedJobs(db: Db, ownerId: string, upTo: number): Promise<number> {
  return jobsCollection(db).countDocuments({ ownerId, status: { $in: ["queued", "scheduled"] } }, { limit: upTo });
}

/**
 * scheduled -> queued for jobs whose time has come (a worker releases them into their lines next), in one round trip;
 * then one read of where each stands now: queued without a seq (released next), or anything else (canceled, gone, or
 * already in its line), which the caller drops from the due-time index.
 */
export async function markScheduledDue(db: Db, ids: string[], now: Date): Promise<Map<string, JobDoc>> {
  const jobs = jobsCollection(db);
  await jobs.updateMany(
    { _id: { $in: ids }, status: "scheduled", batchPending: { $exists: false } },
    { $set: { status: "queued", queuedAt: now } },
  );
  const docs = await jobs.find({ _id: { $in: ids } }).toArray();
  return new Map(docs.map((d) => [d._id, d]));
}

/** The queue's scheduled jobs (the reconciler puts back what Redis's due-time index lost). */
export function scheduledJobs(
  db: Db,
  queue: string,
): AsyncIterable<Pick<JobDoc, "_id" | "line" | "type" | "runAt" | "requestId">> {
  return jobsCollection(db).find(
    { queue, status: "scheduled" },
    { projection: { _id: 1, line: 1, type: 1, runAt: 1, requestId: 1 } },
  );
}

/**
 * The jobs ahead of a queued one in its line (running, or queued with a lower seq), counted up to `upTo`: one bounded
 * count over the queue_line_status_seq index.
 */
export async function countAhead(
  db: Db,
  params: { queue: string; line: string; seq: number; upTo: number },
): Promise<number> {
  // A line runs in seq order, so the job it is running has a lower seq too.
  return jobsCollection(db).countDocuments(
    { queue: params.queue, line: params.line, status: { $in: ["queued", "running"] }, seq: { $lt: params.seq } },
    { limit: params.upTo },
  );
}

/** How long the queue's last `limit` finished runs took (ms, newest first): the eta's basis. */
export async function recentRunTimes(db: Db, queue: string, limit: number): Promise<number[]> {
  const docs = await jobsCollection(db)
    .find(
      { queue, finishedAt: { $exists: true }, status: { $in: ["succeeded", "failed"] } },
      { projection: { startedAt: 1, finishedAt: 1 } },
    )
    .sort({ finishedAt: -1 })
    .limit(limit)
    .toArray();
  return docs.flatMap((d) =>
    d.startedAt && d.finishedAt ? [Math.max(0, d.finishedAt.getTime() - d.startedAt.getTime())] : [],
  );
}

/** Jobs of the queue in each of the given statuses, in one round trip (metrics and the operations console). */
export async function countQueueJobs<S extends JobStatus>(
  db: Db,
  queue: string,
  statuses: readonly S[],
): Promise<Record<S, number>> {
  const groups = await jobsCollection(db)
    .aggregate<{ _id: S; n: number }>([
      { $match: { queue, status: { $in: [...statuses] } } },
      { $group: { _id: "$status", n: { $sum: 1 } } },
    ])
    .toArray();
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
  for (const g of groups) counts[g._id] = g.n;
  return counts;
}
