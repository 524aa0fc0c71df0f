// What single and batch submissions share: the admission checks, the stored record and its envelope, idempotency.
import { createHash } from "node:crypto";
import { deleteUnsequencedJobs, findJobs, setJobSeq } from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import { DEFAULT_MAX_ATTEMPTS, type JobDoc, type JobView, lineOf, lineOfJob, toJobView } from "@lineup/jobs";
import type { Envelope } from "@lineup/queue";
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

export type NewJob = {
  id: string;
  ownerId: string;
  job: SubmitJob;
  payloadJson: string;
  idempotencyKey?: string;
  requestHash?: string;
  requestId?: string;
};

/** The record MongoDB stores for a job Redis has not yet sequenced. */
export function newJobDoc(deps: Pick<JobsDeps, "queue" | "defaultGroup">, j: NewJob, createdAt: Date): JobDoc {
  return {
    _id: j.id,
    queue: deps.queue.name,
    ownerId: j.ownerId,
    ...(j.job.group !== undefined ? { group: j.job.group } : {}),
    line: lineOf(j.ownerId, j.job.group, deps.defaultGroup),
    type: j.job.type,
    payloadJson: j.payloadJson,
    status: "queued",
    attempts: 0,
    maxAttempts: j.job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    createdAt,
    ...(j.idempotencyKey ? { idempotencyKey: j.idempotencyKey, requestHash: j.requestHash } : {}),
    ...(j.requestId ? { requestId: j.requestId } : {}),
    ...(j.job.callbackUrl !== undefined
      ? { callback: { url: j.job.callbackUrl, status: "pending", attempts: 0 } }
      : {}),
  };
}

/** What Redis holds for the job (seq is Redis's to assign). */
export function envelopeOf(doc: JobDoc): Omit<Envelope, "seq"> {
  return { id: doc._id, line: lineOfJob(doc), type: doc.type, enqueuedAt: Date.now(), requestId: doc.requestId };
}

/** Records the seq Redis gave a queued job. The job is accepted already: on failure the worker records it at start. */
export async function recordSeq(deps: Pick<JobsDeps, "db" | "log">, id: string, seq: number): Promise<void> {
  await setJobSeq(deps.db, id, seq).catch((err) =>
    deps.log.warn("could not record seq; the worker will", { jobId: id, seq, error: err }),
  );
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
