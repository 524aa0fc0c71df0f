// Jobs: submit (MongoDB first, then Redis, 202 only when both hold it), read, list and cancel.
import { createHash } from "node:crypto";
import {
  cancelJob as cancelJobRecord,
  type Db,
  deleteUnsequencedJob,
  findJob,
  findOwnJob,
  insertJob,
  isDuplicateKey,
  listJobs as listJobRecords,
  setJobSeq,
} from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import {
  DEFAULT_MAX_ATTEMPTS,
  type DefaultGroup,
  isJobId,
  type JobDoc,
  type JobStatus,
  type JobView,
  lineOf,
  toJobView,
} from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { SubmitMetrics } from "@lineup/metrics";
import type { Queue } from "@lineup/queue";
import { ObjectId } from "mongodb";
import type { SubmitJob } from "../schemas/jobs";
import { decodeCursor, encodeCursor } from "./cursor";
import { checkPayloadLimits } from "./payload-limits";
import type { QueuedQuota } from "./queued-quota";
import type { RateLimits } from "./rate-limits";

export type JobsDeps = {
  db: Db;
  queue: Queue;
  /** Resolves once Redis is connected and its seq counter is at MongoDB's floor. */
  queueReady: () => Promise<void>;
  now: () => Date;
  log: Logger;
  metrics: SubmitMetrics;
  maxPayloadBytes: number;
  quota: QueuedQuota;
  rateLimits: RateLimits;
  /** The line of jobs without a group. */
  defaultGroup: DefaultGroup;
  /** How long a finished (or canceled) job is kept. */
  retentionMs: number;
};

const queueUnavailable = (cause: unknown) =>
  errors.unavailable("The queue is unavailable; nothing was recorded. Try again shortly.", undefined, cause);
const idempotencyInProgress = () =>
  errors.conflict("idempotency_in_progress", "A request with this Idempotency-Key is in progress; retry.");

export type Submission = { ownerId: string; body: SubmitJob; idempotencyKey?: string; requestId?: string };

export async function submitJob(deps: JobsDeps, s: Submission): Promise<{ job: JobView; replay: boolean }> {
  // Checked first: the payload is serialized (and hashed for an Idempotency-Key) only once it is known to be small
  // and shallow.
  checkPayloadLimits(s.body.payload, deps.maxPayloadBytes);
  const payloadJson = JSON.stringify(s.body.payload);
  await deps.rateLimits.submit(s.ownerId);
  const requestHash = s.idempotencyKey ? hashBody(s.body) : undefined;
  const id = s.idempotencyKey ? idForKey(s.ownerId, s.idempotencyKey) : new ObjectId().toHexString();
  await deps.queueReady().catch((err) => {
    throw queueUnavailable(err);
  });

  await deps.quota.check(s.ownerId);

  const doc: JobDoc = {
    _id: id,
    queue: deps.queue.name,
    ownerId: s.ownerId,
    ...(s.body.group !== undefined ? { group: s.body.group } : {}),
    line: lineOf(s.ownerId, s.body.group, deps.defaultGroup),
    type: s.body.type,
    payloadJson,
    status: "queued",
    attempts: 0,
    maxAttempts: s.body.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    createdAt: deps.now(),
    ...(s.idempotencyKey ? { idempotencyKey: s.idempotencyKey, requestHash } : {}),
    ...(s.requestId ? { requestId: s.requestId } : {}),
  };
  try {
    await insertJob(deps.db, doc);
  } catch (err) {
    if (s.idempotencyKey && isDuplicateKey(err)) return replay(deps, id, requestHash);
    throw err;
  }

  let seq: number;
  try {
    seq = await deps.queue.enqueue({
      id,
      line: doc.line as string,
      type: doc.type,
      enqueuedAt: Date.now(),
      requestId: s.requestId,
    });
  } catch (err) {
    // Redis did not take it: undo the insert so a 503 leaves nothing behind.
    await deleteUnsequencedJob(deps.db, id).catch((e) =>
      deps.log.error("could not undo a job Redis refused; the reconciler will queue it", { jobId: id, error: e }),
    );
    throw queueUnavailable(err);
  }
  // The job is accepted now. Recording seq can fail without harm: the worker records it when it starts the job.
  await setJobSeq(deps.db, id, seq).catch((err) =>
    deps.log.warn("could not record seq; the worker will", { jobId: id, seq, error: err }),
  );
  deps.quota.accepted(s.ownerId);
  deps.metrics.submitted.inc({ type: doc.type });
  return { job: toJobView({ ...doc, seq }), replay: false };
}

async function replay(deps: JobsDeps, id: string, requestHash?: string): Promise<{ job: JobView; replay: boolean }> {
  const existing = await findJob(deps.db, id);
  if (!existing) throw idempotencyInProgress();
  if (existing.requestHash !== requestHash) {
    throw new AppError(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request body.");
  }
  if (existing.seq === undefined && existing.status === "queued") throw idempotencyInProgress();
  return { job: toJobView(existing), replay: true };
}

export async function getJob(deps: Pick<JobsDeps, "db">, ownerId: string, id: string): Promise<JobView> {
  const doc = isJobId(id) ? await findOwnJob(deps.db, id, ownerId) : null;
  // Someone else's job is as invisible as a missing one.
  if (!doc) throw errors.notFound("No such job.");
  return toJobView(doc);
}

export async function listJobs(
  deps: Pick<JobsDeps, "db">,
  params: { ownerId: string; status?: JobStatus; group?: string; limit: number; cursor?: string },
): Promise<{ items: JobView[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  const page = await listJobRecords(deps.db, {
    ownerId: params.ownerId,
    status: params.status,
    group: params.group,
    limit: params.limit,
    after,
  });
  return { items: page.items.map(toJobView), nextCursor: page.next ? encodeCursor(page.next) : null };
}

export async function cancelJob(
  deps: Pick<JobsDeps, "db" | "now" | "quota" | "queue" | "retentionMs" | "log">,
  ownerId: string,
  id: string,
): Promise<JobView> {
  if (!isJobId(id)) throw errors.notFound("No such job.");
  const now = deps.now();
  const canceled = await cancelJobRecord(deps.db, {
    id,
    ownerId,
    now,
    expireAt: new Date(now.getTime() + deps.retentionMs),
  });
  if (canceled) {
    deps.quota.released(ownerId);
    await wakeIfWaiting(deps, id);
    return toJobView(canceled);
  }
  const current = await findOwnJob(deps.db, id, ownerId);
  if (!current) throw errors.notFound("No such job.");
  throw errors.conflict("not_cancelable", `The job is ${current.status}; only queued jobs can be canceled.`);
}

/**
 * A canceled job that was waiting out a retry backoff holds its line until a worker skips it: wake it now. Best effort:
 * if Redis is away, the job is skipped when its backoff ends anyway.
 */
export async function wakeIfWaiting(deps: Pick<JobsDeps, "queue" | "log">, id: string): Promise<void> {
  await deps.queue.wake(id).catch((err) => deps.log.warn("could not wake a canceled job", { jobId: id, error: err }));
}

/** Derived from (owner, key), so a replay lands on the same document and MongoDB's _id index dedupes. */
function idForKey(ownerId: string, key: string): string {
  return createHash("sha256").update(`${ownerId}\n${key}`).digest("hex").slice(0, 24);
}

function hashBody(body: SubmitJob): string {
  return createHash("sha256").update(stableStringify(body)).digest("hex");
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
