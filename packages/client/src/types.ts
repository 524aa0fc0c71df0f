// The API's wire types, written out here so the client carries no dependency: the api's tests check at compile time
// that they match its schemas and @lineup/jobs' JobView (apps/api/test/client-contract.test.ts).

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** scheduled: due later (runAt), without a seq until then; queued: waiting for its turn in its line. */
export type JobStatus = "scheduled" | "queued" | "running" | "succeeded" | "failed" | "canceled";

/** What failing for good does to a job's line: nothing (the next job runs), or halt it until it is resumed. */
export type OnFailure = "continue" | "halt";

/** A job as the API shows it. Timestamps are ISO 8601 strings. */
export type Job = {
  id: string;
  type: string;
  group?: string;
  status: JobStatus;
  payload: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  /** Position in arrival order; increases along every line. null until Redis has taken the job. */
  seq: number | null;
  attempts: number;
  maxAttempts: number;
  /** While a failed attempt waits out its backoff: when the next one is due. */
  retryAt?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** A queued job, read with get or wait: the jobs ahead of it in its line. */
  position?: number;
  /** With position: a rough estimate of the seconds until the job is done. */
  etaSeconds?: number;
  /** The job's webhook, when it was submitted with a callbackUrl. */
  callback?: Callback;
  /** A job submitted to run later: when it is due. */
  runAt?: string;
  /** A job a schedule made: the schedule, and the tick it was made for. */
  scheduleId?: string;
  scheduledFor?: string;
  /** halt: failing for good halts the job's line. */
  onFailure?: OnFailure;
  /** The handler's latest report of how far it got. */
  progress?: { percent: number; message?: string; at: string };
};

/** Where a job's webhook stands: pending until delivered (2xx) or given up after retrying for hours. */
export type Callback = {
  url: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastError?: string;
  deliveredAt?: string;
};

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The `http` job's payload: one request to `url`; `body` a string (sent as is) or any JSON value (sent as JSON). */
export type HttpPayload = {
  url: string;
  method: HttpMethod;
  headers?: Record<string, string>;
  body?: JsonValue;
  /** 100 to 60000; 10000 when absent. */
  timeoutMs?: number;
};

/** What every new job may carry besides its type and payload. */
type JobOptions = {
  /** Runs allowed before the job fails for good: 1 to 10, 3 when absent. */
  maxAttempts?: number;
  /** Your line for the job (1-128 of A-Z a-z 0-9 . _ : -): a group's jobs run one at a time, in order. */
  group?: string;
  /** http(s) URL that gets the job, POSTed and signed (Standard Webhooks), once it is final. */
  callbackUrl?: string;
  /** halt: if the job fails for good, its line stops (the job first in it) until resumed; continue by default. */
  onFailure?: OnFailure;
};

/** When a new job runs: now (neither), at a time (RFC 3339 with an offset), or after a delay (ms, up to 31 days). */
type DueTime = { runAt?: string; delayMs?: never } | { delayMs?: number; runAt?: never };

/** A job to submit, by type: the payload's shape follows the type. */
export type NewJob = ({ type: "echo"; payload: JsonValue } | { type: "http"; payload: HttpPayload }) &
  JobOptions &
  DueTime;

/** The job a schedule makes at each tick. */
export type ScheduleJob = ({ type: "echo"; payload: JsonValue } | { type: "http"; payload: HttpPayload }) & JobOptions;

export type JobType = NewJob["type"];

export type JobPage = { items: Job[]; nextCursor: string | null };

export type ListParams = { status?: JobStatus; group?: string; scheduleId?: string; limit?: number; cursor?: string };

export type Credentials = { email: string; password: string };

export type User = { id: string; email: string; role: "user" | "admin"; createdAt: string };

export type Token = { accessToken: string; tokenType: "Bearer"; expiresIn: number };

export type ErrorDetail = Record<string, string | number>;

/** Your webhook signing secret (`whsec_...`), for a Standard Webhooks library's verify. */
export type WebhookSecret = { secret: string; createdAt: string; previousValidUntil?: string };

export type ErrorBody = { error: { code: string; message: string; details?: ErrorDetail[] } };

/** One Server-Sent Event of a job stream: the job as it is after a state change. */
export type JobEvent = { id: string | null; event: string; job: Job };

// ------------------------------------------------------------------------------------ admin (the operations API)

/** The filter of the admin job list and of redrive. from and to are ISO 8601 instants (created at or after, before). */
export type AdminJobFilter = {
  status?: JobStatus;
  type?: string;
  /** The owner's user id. */
  owner?: string;
  group?: string;
  from?: string;
  to?: string;
};

/** One page of a cursor-paged admin list: limit 1 to 100 (20 when absent), cursor the previous page's nextCursor. */
export type PageParams = { limit?: number; cursor?: string };

export type AdminJobsParams = AdminJobFilter & PageParams;

/** How many of a queue's lines to list: 1 to 500, 50 when absent. */
export type QueueGroupsParams = { limit?: number };

/** One run of a job, as the worker recorded it. */
export type Attempt = {
  attempt: number;
  workerId: string;
  startedAt: string;
  endedAt?: string;
  /** interrupted: the worker died during it; returned: given back at a worker's shutdown. */
  outcome: "running" | "succeeded" | "failed" | "retry" | "returned" | "canceled" | "interrupted";
  error?: { code: string; message: string };
};

/**
 * A job of any user, as operators see it: where it runs, whose it is, and (in its detail) every attempt. An interface
 * rather than `Job & {...}`: the contract test's type equality tells an intersection from the flat type the api has.
 */
export interface AdminJob extends Job {
  queue: string;
  /** The line the job runs in: q (the queue's), u:<owner> or g:<owner>:<group>. */
  line: string;
  ownerId: string;
  ownerEmail: string | null;
  workerId?: string;
  /** Every attempt, oldest first; in the job's detail only. */
  history?: Attempt[];
}

export type AdminJobPage = { items: AdminJob[]; nextCursor: string | null };

/** Which failed jobs a redrive runs again: the filter without status, and at most limit of them (1-1000, 100). */
export type RedriveFilter = Omit<AdminJobFilter, "status"> & { limit?: number };

export type RedriveResult = { count: number; ids: string[] };

/** A queue's state: jobs by status, its groups, its workers and what each holds. */
export type QueueOverview = {
  name: string;
  paused: boolean;
  jobs: { scheduled: number; queued: number; running: number; succeeded: number; failed: number; canceled: number };
  /** Failed jobs remembered in Redis's dead set. */
  deadSet: number;
  groups: { ready: number; inFlight: number; retrying: number };
  oldestReadyAgeSeconds: number;
  /** Jobs that reached a final state in the last 60 s. */
  throughputLastMinute: number;
  workers: {
    id: string;
    alive: boolean;
    lastSeenAt: string;
    holding: { id: string; seq: number; line: string; type: string }[];
  }[];
};

/** A line with jobs queued: its owner and group, when it is not the queue's own line. */
export type QueueGroup = {
  line: string;
  ownerId?: string;
  group?: string;
  queued: number;
  oldestCreatedAt: string;
};

/** A queue by the minute (GET /v1/admin/queues/{name}/stats), oldest minute first. */
export type QueueStats = {
  queue: string;
  window: "1h" | "24h";
  minutes: {
    /** The minute's start. */
    at: string;
    succeeded: number;
    failed: number;
    /** Failed attempts that will be tried again. */
    retried: number;
    /** Wait in line before the first attempt of the jobs that ended in the minute (bucket upper bounds). */
    waitP50Ms: number | null;
    waitP95Ms: number | null;
  }[];
};

/** One admin action: who, when, what, on what, to how many jobs. */
export type AuditEntry = {
  id: string;
  at: string;
  actorId: string;
  actorEmail: string;
  action: string;
  target: Record<string, unknown>;
  count: number;
};

export type AuditPage = { items: AuditEntry[]; nextCursor: string | null };

/** A cron schedule: one job per tick, in a time zone. */
export type Schedule = {
  id: string;
  name?: string;
  /** 5 fields (minute first) or 6 (seconds first). */
  cron: string;
  /** An IANA time zone; ticks follow its wall clock. */
  timezone: string;
  job: {
    type: string;
    payload: unknown;
    group?: string;
    maxAttempts?: number;
    callbackUrl?: string;
    onFailure?: OnFailure;
  };
  paused: boolean;
  /** When the next tick fires; null while paused. */
  nextRunAt: string | null;
  lastRunAt?: string;
  createdAt: string;
};

export type NewSchedule = { cron: string; timezone?: string; job: ScheduleJob; name?: string; paused?: boolean };

export type SchedulePatch = Partial<Omit<NewSchedule, "job">> & { job?: ScheduleJob };

export type SchedulePage = { items: Schedule[]; nextCursor: string | null };

/** Every user's schedules (GET /v1/admin/schedules): each names its owner. */
export type AdminSchedulePage = { items: (Schedule & { ownerId: string })[]; nextCursor: string | null };

/** One of your groups: its state and its jobs waiting or running. */
export type Group = {
  group: string;
  /** paused by you (or an admin), or halted by a job that failed for good and said onFailure: halt. */
  state: "active" | "paused" | "halted";
  scheduled: number;
  queued: number;
  running: number;
  /** halted: the job that halted it. */
  haltedJobId?: string;
};

/** For a halted group: run the job that halted it again first, or leave it failed and go on. */
export type FailedJobChoice = "retry" | "skip";

/** A user's group as an admin sees it: whose, and since when it is stopped. */
export interface AdminGroup extends Group {
  ownerId: string;
  since?: string;
}
