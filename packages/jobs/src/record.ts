// The job record: its statuses, what MongoDB stores and what the api shows.
import { QUEUE_LINE } from "./line";

// scheduled: due later (runAt); it enters its line, takes its seq and is queued when it is due.
export const JOB_STATUSES = ["scheduled", "queued", "running", "succeeded", "failed", "canceled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a job's final failure does to its line: nothing (the next job runs), or halt it until someone resumes it. */
export const ON_FAILURE = ["continue", "halt"] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

export const DEFAULT_MAX_ATTEMPTS = 3;
/** The furthest ahead a job may be submitted to run (delayMs, or runAt from now): 31 days. */
export const MAX_DELAY_MS = 31 * 24 * 3600_000;
export const MAX_ATTEMPTS_LIMIT = 10;

export type JobErrorInfo = { code: string; message: string };

/** How one attempt ended. An attempt without an end that is not the last was interrupted (its worker died). */
export type AttemptOutcome = "succeeded" | "failed" | "retry" | "returned" | "canceled";

/** One handler run of a job, as the worker recorded it. */
export type AttemptRecord = {
  workerId: string;
  startedAt: Date;
  endedAt?: Date;
  outcome?: AttemptOutcome;
  error?: JobErrorInfo;
};

/** Where a job's webhook delivery stands: not yet delivered (or not yet due), delivered, or given up on. */
export const CALLBACK_STATUSES = ["pending", "delivered", "failed"] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** A job's webhook: POSTed the job once it is final, retried with backoff until delivered or given up. */
export type CallbackRecord = {
  url: string;
  /**
   * The receiver, host:port (callbackTargetOf): a worker's claims skip the targets it has as many deliveries in flight
   * to as it allows. Absent on webhooks stored before it was; the worker then works it out from the url.
   */
  target?: string;
  status: CallbackStatus;
  /** Delivery attempts started so far; a delivery's record is fenced on it (a claim adds one). */
  attempts: number;
  /** Why the last attempt failed, while the webhook is pending or once it failed; a delivered one has none. */
  lastError?: string;
  deliveredAt?: Date;
  /**
   * Set once the job is final, in the same write: when the next attempt is due. A claim moves it past the attempt's
   * lease, so a worker that dies mid-delivery leaves it due again. Absent before the final state and once settled.
   */
  dueAt?: Date;
};

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
  /** Every attempt in order: attempt n is history[n - 1]. */
  history?: AttemptRecord[];
  /** Set when the job reaches a final state: MongoDB's TTL index removes it then (JOB_RETENTION). */
  expireAt?: Date;
  /** The attempts each run may use; a retried (redriven) job gets this many more. */
  attemptsPerRun?: number;
  /** The job's webhook (callbackUrl), if it has one. */
  callback?: CallbackRecord;
  /** A job submitted to run later: when it is due. It is scheduled until then, without a seq. */
  runAt?: Date;
  /** When a scheduled job entered its line (the reconciler's grace counts from it, not from createdAt). */
  queuedAt?: Date;
  /** The schedule that made the job, and the tick it was made for. */
  scheduleId?: string;
  scheduledFor?: Date;
  /** "halt": failing for good halts the job's line (absent: continue). */
  onFailure?: OnFailure;
  /** This job's failure halted its line, and the line was not resumed past it yet. */
  haltedLine?: boolean;
  /** The handler's latest progress report. */
  progress?: ProgressRecord;
  /**
   * A job of a batch whose lines span partitions, while the batch is not yet in Redis whole (the batch's id): no worker
   * starts or releases it until the api commits the batch, or withdraws it whole (see packages/db commitBatch).
   */
  batchPending?: string;
  /**
   * The W3C trace context of the job's publish span (or of the caller, when the api does not trace): the worker's
   * process spans and the webhook's deliveries join that trace.
   */
  trace?: { traceparent: string; tracestate?: string };
};

/** A handler's report of how far it got (0 to 100), with an optional word on what it is doing. */
export type ProgressRecord = { percent: number; message?: string; at: Date };

/** A webhook as the api shows it on its job. */
export type CallbackView = {
  url: string;
  status: CallbackStatus;
  attempts: number;
  lastError?: string;
  deliveredAt?: string;
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
  /** Queued jobs, on GET /v1/jobs/{id} only: the jobs ahead of it in its line (running or queued). */
  position?: number;
  /** With position: a rough estimate of the seconds until the job is done, from the queue's recent run times. */
  etaSeconds?: number;
  callback?: CallbackView;
  runAt?: string;
  scheduleId?: string;
  scheduledFor?: string;
  onFailure?: OnFailure;
  progress?: { percent: number; message?: string; at: string };
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
  if (doc.callback) view.callback = toCallbackView(doc.callback);
  if (doc.runAt) view.runAt = doc.runAt.toISOString();
  if (doc.scheduleId !== undefined) view.scheduleId = doc.scheduleId;
  if (doc.scheduledFor) view.scheduledFor = doc.scheduledFor.toISOString();
  if (doc.onFailure !== undefined) view.onFailure = doc.onFailure;
  if (doc.progress) view.progress = toProgressView(doc.progress);
  return view;
}

export function toProgressView(p: ProgressRecord): NonNullable<JobView["progress"]> {
  return { percent: p.percent, ...(p.message !== undefined ? { message: p.message } : {}), at: p.at.toISOString() };
}

function toCallbackView(c: CallbackRecord): CallbackView {
  return {
    url: c.url,
    status: c.status,
    attempts: c.attempts,
    ...(c.lastError !== undefined ? { lastError: c.lastError } : {}),
    ...(c.deliveredAt ? { deliveredAt: c.deliveredAt.toISOString() } : {}),
  };
}

/** The line a stored job runs in. */
export function lineOfJob(doc: Pick<JobDoc, "line">): string {
  return doc.line ?? QUEUE_LINE;
}

export const FINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "canceled"];

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
