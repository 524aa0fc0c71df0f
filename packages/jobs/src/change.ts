// A job's state change as the processes tell each other (Redis pub/sub, and each user's event history): small, with
// the state fields a job view needs, so a stream can show the job as it was at that change, not only as it is now.
import { JOB_STATUSES, type JobDoc, type JobErrorInfo, type JobStatus, type JobView, toJobView } from "./record";

export type JobChange = {
  job: string;
  owner: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  /** Timestamps in ms, as the record holds them after the change. */
  startedAt?: number;
  finishedAt?: number;
  retryAt?: number;
  error?: JobErrorInfo;
  /** The job's failure halted its line (announced after the failure itself, as group.halted). */
  haltsLine?: boolean;
  /** A progress report (the status is running): sent at once, recorded at most about once a second. */
  progress?: { percent: number; message?: string; at: number };
};

/** The change a write left on record, read from the document it wrote. */
export function changeOf(doc: JobDoc): JobChange {
  return {
    job: doc._id,
    owner: doc.ownerId,
    status: doc.status,
    attempts: doc.attempts,
    maxAttempts: doc.maxAttempts,
    ...(doc.startedAt ? { startedAt: doc.startedAt.getTime() } : {}),
    ...(doc.finishedAt ? { finishedAt: doc.finishedAt.getTime() } : {}),
    ...(doc.retryAt && doc.status === "queued" ? { retryAt: doc.retryAt.getTime() } : {}),
    ...(doc.error ? { error: doc.error } : {}),
  };
}

/**
 * The job as it was at `change`: what never changes (payload, type, seq, ...) and the webhook's state from the
 * record, the state fields from the change, and the result only with the change that recorded it.
 */
export function viewAt(doc: JobDoc, change: JobChange): JobView {
  const { result, error, retryAt, startedAt, finishedAt, progress, ...current } = toJobView(doc);
  const view: JobView = {
    ...current,
    status: change.status,
    attempts: change.attempts,
    maxAttempts: change.maxAttempts,
  };
  if (change.status === "succeeded" && result !== undefined) view.result = result;
  if (change.error) view.error = change.error;
  if (change.retryAt !== undefined && change.status === "queued") view.retryAt = iso(change.retryAt);
  if (change.startedAt !== undefined) view.startedAt = iso(change.startedAt);
  if (change.finishedAt !== undefined) view.finishedAt = iso(change.finishedAt);
  // The progress as of this change: the one it reports, else the last one recorded before it.
  const reported = change.progress
    ? { ...change.progress, at: iso(change.progress.at) }
    : progress && change.status === "running"
      ? progress
      : undefined;
  if (reported) view.progress = reported;
  return reorder(view);
}

const iso = (ms: number) => new Date(ms).toISOString();

// The same key order as toJobView, so a stream's events read like GET answers.
const ORDER: (keyof JobView)[] = [
  "id",
  "type",
  "group",
  "status",
  "payload",
  "result",
  "error",
  "seq",
  "attempts",
  "maxAttempts",
  "retryAt",
  "createdAt",
  "startedAt",
  "finishedAt",
  "position",
  "etaSeconds",
  "callback",
  "runAt",
  "scheduleId",
  "scheduledFor",
  "onFailure",
  "progress",
];

function reorder(view: JobView): JobView {
  const out: Record<string, unknown> = {};
  for (const key of ORDER) if (view[key] !== undefined) out[key] = view[key];
  return out as JobView;
}

/** A change read back from Redis: only well-formed ones are used. */
export function isJobChange(value: unknown): value is JobChange {
  const c = value as Partial<JobChange> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.job === "string" &&
    typeof c.owner === "string" &&
    JOB_STATUSES.includes(c.status as JobStatus) &&
    Number.isInteger(c.attempts) &&
    Number.isInteger(c.maxAttempts)
  );
}
