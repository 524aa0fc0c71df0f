// The job record: its statuses, what MongoDB stores and what the api shows.
import { QUEUE_LINE } from "./line";

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_ATTEMPTS_LIMIT = 10;

export type JobErrorInfo = { code: string; message: string };

/** Job ids are 24 lower-case hex characters; anything else is not one of ours. */
export function isJobId(id: unknown): id is string {
  return typeof id === "string" && /^[0-9a-f]{24}$/.test(id);
}

export type JobDoc = {
  /** 24 hex characters: an ObjectId's, or derived from (owner, Idempotency-Key) so a replay finds it. */
  _id: string;
  queue: string;
  ownerId: string;
  /** The owner's group, if the job named one. */
  group?: string;
  /** The line the job runs in (see line.ts); absent on records from before groups, which ran in the queue line. */
  line?: string;
  type: string;
  /** The payload as JSON text: any JSON a client sends is storable, whatever its keys ('.', '$') or nesting. */
  payloadJson: string;
  status: JobStatus;
  /** Position in the queue's arrival order; absent until Redis has accepted the job. */
  seq?: number;
  /** Handler runs started so far; every state change is fenced on it. */
  attempts: number;
  maxAttempts: number;
  /** While a failed attempt waits out its backoff (status queued): when the next attempt is due. */
  retryAt?: Date;
  /** The handler's result as JSON text, for the same reason. */
  resultJson?: string;
  error?: JobErrorInfo;
  createdAt: Date;
  /** The latest attempt's start. */
  startedAt?: Date;
  /** The first attempt's start (processing time counts from it). */
  firstStartedAt?: Date;
  finishedAt?: Date;
  idempotencyKey?: string;
  /** Hash of the submitted body, to tell a replay from a key reused with another body. */
  requestHash?: string;
  requestId?: string;
  workerId?: string;
  /** Marks the starts one batched write made, so one read finds them (startJobs). */
  attemptId?: string;
};

export type JobView = {
  id: string;
  type: string;
  group?: string;
  status: JobStatus;
  payload: unknown;
  result?: unknown;
  error?: JobErrorInfo;
  seq: number | null;
  attempts: number;
  maxAttempts: number;
  retryAt?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
};

export function toJobView(doc: JobDoc): JobView {
  const view: JobView = {
    id: doc._id,
    type: doc.type,
    ...(doc.group !== undefined ? { group: doc.group } : {}),
    status: doc.status,
    payload: JSON.parse(doc.payloadJson),
    seq: doc.seq ?? null,
    attempts: doc.attempts,
    maxAttempts: doc.maxAttempts,
    createdAt: doc.createdAt.toISOString(),
  };
  if (doc.resultJson !== undefined) view.result = JSON.parse(doc.resultJson);
  if (doc.error) view.error = doc.error;
  if (doc.retryAt && doc.status === "queued") view.retryAt = doc.retryAt.toISOString();
  if (doc.startedAt) view.startedAt = doc.startedAt.toISOString();
  if (doc.finishedAt) view.finishedAt = doc.finishedAt.toISOString();
  return view;
}

/** The line a stored job runs in. */
export function lineOfJob(doc: Pick<JobDoc, "line">): string {
  return doc.line ?? QUEUE_LINE;
}

export const FINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "canceled"];

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
