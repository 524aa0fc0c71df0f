// What single and batch submissions share: the admission checks, the stored record and its envelope, idempotency.
import { createHash } from "node:crypto";
import { deleteUnsequencedJobs, findJobs } from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import { type JobDoc, type JobView, lineOfJob, MAX_DELAY_MS, newJobRecord, toJobView } from "@lineup/jobs";
import { type Envelope, runDataOf } from "@lineup/queue";
import type { SubmitJob } from "../../schemas/jobs";
import { checkCallbackUrls } from "./callback-urls";
import type { JobsDeps } from "./deps";
import { checkPayloadLimits } from "./payload-limits";

export const queueUnavailable = (cause: unknown) =>
  errors.unavailable("The queue is unavailable; nothing was recorded. Try again shortly.", undefined, cause);
export const idempotencyInProgress = () =>
  errors.conflict("idempotency_in_progress", "A request with this Idempotency-Key is in progress; retry.");
export const idempotencyKeyReused = () =>
  new AppError(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request body.");

/** Each job's payload as it will be stored, within the size and depth limits; `at` names where each job is. */
export function payloadsWithinLimits(
  deps: Pick<JobsDeps, "maxPayloadBytes">,
  jobs: SubmitJob[],
  at: (i: number) => string,
) {
  // Checked first: a payload is serialized (and hashed for an Idempotency-Key) only once it is known to be small and
  // shallow.
  for (const [i, job] of jobs.entries()) checkPayloadLimits(job.payload, deps.maxPayloadBytes, at(i));
  return jobs.map((job) => JSON.stringify(job.payload));
}

/**
 * Rate limit (each job counts), callback URLs reachable, Redis ready, and the queued quota (the jobs count together).
 * 429, 422 or 503 if not.
 */
export async function admit(
  deps: JobsDeps,
  ownerId: string,
  jobs: SubmitJob[],
  at: (i: number) => string,
): Promise<void> {
  await deps.rateLimits.submit(ownerId, jobs.length);
  await checkCallbackUrls(jobs, deps.allowedNetworks, at);
  await deps.queueReady().catch((err) => {
    throw queueUnavailable(err);
  });
  await deps.quota.check(ownerId, jobs.length);
}

/**
 * When each job is due; undefined for a job that runs now (neither runAt nor a delayMs above 0). A runAt that has
 * passed is due at once but still joins its line through the due-time index, so the delayed jobs of a line join it in
 * the order of their runAt even when one submitted later is overdue on arrival (a slow network, a client retrying
 * through an outage). A runAt past MAX_DELAY_MS from now is refused (422), as delayMs is by its schema.
 */
export function dueTimes(jobs: SubmitJob[], now: Date, at: (i: number) => string): (Date | undefined)[] {
  return jobs.map((job, i) => {
    const due =
      job.runAt !== undefined ? new Date(job.runAt) : job.delayMs ? new Date(now.getTime() + job.delayMs) : undefined;
    if (!due) return undefined;
    if (due.getTime() - now.getTime() > MAX_DELAY_MS) {
      throw errors.validation([{ path: at(i), message: "Must be at most 31 days from now" }]);
    }
    return due;
  });
}

export type NewJob = {
  id: string;
  ownerId: string;
  job: SubmitJob;
  payloadJson: string;
  idempotencyKey?: string;
  requestHash?: string;
  requestId?: string;
  /** A job due later: when. */
  runAt?: Date;
};

/** The record MongoDB stores for a job Redis has not yet sequenced (a scheduled one gets its seq when it is due). */
export function newJobDoc(
  deps: Pick<JobsDeps, "queue" | "defaultGroup" | "defaultOnFailure">,
  j: NewJob,
  createdAt: Date,
): JobDoc {
  return newJobRecord({
    id: j.id,
    queue: deps.queue.name,
    ownerId: j.ownerId,
    type: j.job.type,
    payloadJson: j.payloadJson,
    group: j.job.group,
    maxAttempts: j.job.maxAttempts,
    callbackUrl: j.job.callbackUrl,
    onFailure: j.job.onFailure,
    defaultGroup: deps.defaultGroup,
    defaultOnFailure: deps.defaultOnFailure,
    createdAt,
    runAt: j.runAt,
    idempotencyKey: j.idempotencyKey,
    requestHash: j.requestHash,
    requestId: j.requestId,
  });
}

/**
 * What Redis holds for the job (seq is Redis's to assign), with what its first run needs when it may run quick: a job
 * never started, not of a pending batch, with a small payload (runDataOf).
 */
export function envelopeOf(doc: JobDoc): Omit<Envelope, "seq"> {
  const run = runDataOf(doc);
  return {
    id: doc._id,
    line: lineOfJob(doc),
    type: doc.type,
    enqueuedAt: Date.now(),
    requestId: doc.requestId,
    ...(run ? { run } : {}),
  };
}

/** Records the seq Redis gave a queued job. The job is accepted already: on failure the worker records it at start. */
export async function recordSeq(
  deps: { log: JobsDeps["log"]; writes: Pick<JobsDeps["writes"], "recordSeq"> },
  id: string,
  seq: number,
): Promise<void> {
  await deps.writes
    .recordSeq(id, seq)
    .catch((err) => deps.log.warn("could not record seq; the worker will", { jobId: id, seq, error: err }));
}

/**
 * The same Idempotency-Key and body again: the jobs of the first request, once every one of them is queued. 409 while
 * any is not (the first request is still being handled), 422 for another body.
 */
export async function replayed(deps: Pick<JobsDeps, "db">, ids: string[], requestHash?: string): Promise<JobView[]> {
  const docs = await findJobs(deps.db, ids);
  const first = docs[0];
  if (!first) throw idempotencyInProgress();
  if (first.requestHash !== requestHash) throw idempotencyKeyReused();
  const pending = docs.some((doc) => !doc || (doc.seq === undefined && doc.status === "queued"));
  if (pending) throw idempotencyInProgress();
  return docs.map((doc) => toJobView(doc as JobDoc));
}

/** Removes the records of jobs Redis did not take, so a 503 leaves nothing behind (else the reconciler queues them). */
export async function withdraw(deps: Pick<JobsDeps, "db" | "log">, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await deleteUnsequencedJobs(deps.db, ids).catch((err) =>
    deps.log.error("could not withdraw jobs that were not accepted; the reconciler will queue them", {
      jobIds: ids,
      error: err,
    }),
  );
}

/**
 * Derived from (owner, key), so a replay lands on the same document and MongoDB's _id index dedupes. A batch's job i
 * (from 0) adds i; its first job has the single submission's id, so one key cannot serve a single job and a batch.
 */
export function idForKey(ownerId: string, key: string, index = 0): string {
  const input = index === 0 ? `${ownerId}\n${key}` : `${ownerId}\n${key}\n${index}`;
  return createHash("sha256").update(input).digest("hex").slice(0, 24);
}

/** The request body's fingerprint, the same whatever the order of its keys. */
export function hashBody(body: unknown): string {
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
