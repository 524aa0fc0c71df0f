// The Lineup client: one object made with an options object, the token given once. Every method answers the API's
// JSON or throws a LineupError.
import { LineupError } from "./errors.js";
import { readEvents } from "./sse.js";
import type {
  AdminGroup,
  AdminJob,
  AdminJobPage,
  AdminJobsParams,
  AdminSchedulePage,
  AuditPage,
  Credentials,
  FailedJobChoice,
  Group,
  Job,
  JobEvent,
  JobPage,
  JobStatus,
  ListParams,
  NewJob,
  NewSchedule,
  PageParams,
  QueueGroup,
  QueueGroupsParams,
  QueueOverview,
  QueueStats,
  RedriveFilter,
  RedriveResult,
  Schedule,
  SchedulePage,
  SchedulePatch,
  Token,
  User,
  WebhookSecret,
} from "./types.js";

export type ClientOptions = {
  /** Where the API is, e.g. https://lineup.example.com (no /v1). */
  baseUrl: string;
  /** A bearer token from login; without one, only register and login work. */
  token?: string;
  /** A fetch of your own (a proxy, a test double, one with other RequestInit defaults); the global fetch by default. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
};

export type SubmitOptions = {
  /** The same key with the same body answers the same job(s) instead of queuing them again. */
  idempotencyKey?: string;
  signal?: AbortSignal;
};

export type EventsOptions = {
  /** Resume after this event id (a stream you read before). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Wait before reconnecting, in ms, until the server says otherwise (`retry:`); 1000 by default. */
  reconnectMs?: number;
};

const FINAL: readonly JobStatus[] = ["succeeded", "failed", "canceled"];

type Request = {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

export interface LineupClient {
  /** The same client with another token (after login, say). */
  withToken(token: string): LineupClient;
  register(credentials: Credentials): Promise<User>;
  /** A bearer token for the account; pass its accessToken to withToken. */
  login(credentials: Credentials): Promise<Token>;
  /** Logs in and answers a client that carries the token. */
  loginAs(credentials: Credentials): Promise<LineupClient>;
  me(): Promise<User>;
  /** Revokes the client's token with the API, so it (and any copy of it) stops working. */
  logout(): Promise<void>;
  /** Queues one job; answers it (status queued, with its seq). */
  submit(job: NewJob, opts?: SubmitOptions): Promise<Job>;
  /** Queues 1 to 100 jobs, all or none; answers them in the order given, with consecutive seqs. */
  submitBatch(jobs: NewJob[], opts?: SubmitOptions): Promise<Job[]>;
  get(id: string, opts?: { signal?: AbortSignal }): Promise<Job>;
  /** One page of your jobs, newest first; pass nextCursor back as cursor for the next. */
  list(params?: ListParams, opts?: { signal?: AbortSignal }): Promise<JobPage>;
  /** Every page of your jobs, newest first, fetched as you iterate. */
  pages(params?: Omit<ListParams, "cursor">): AsyncGenerator<JobPage>;
  /** Every job of yours, newest first, page by page as you iterate. */
  jobs(params?: Omit<ListParams, "cursor">): AsyncGenerator<Job>;
  /** Cancels a queued job; a running or finished one is a 409 not_cancelable. */
  cancel(id: string): Promise<Job>;
  /**
   * Waits up to timeoutSeconds (at most 60) for the job to be final, without polling: `GET /v1/jobs/{id}?wait=`.
   * Answers the job as it is when the wait ends, final or not.
   */
  wait(id: string, opts: { timeoutSeconds: number; signal?: AbortSignal }): Promise<Job>;
  /**
   * The job's state changes as they happen (`GET /v1/jobs/{id}/events`), or all your jobs' (`GET /v1/events`), read
   * as Server-Sent Events. A dropped stream is reopened with Last-Event-ID, so no change is missed; one job's stream
   * ends once the job is final. Stop early with `signal` or by leaving the loop.
   */
  events(id?: string, opts?: EventsOptions): AsyncGenerator<JobEvent>;
  /** The secret that signs your jobs' webhooks (made on first ask); verify deliveries with a Standard Webhooks library. */
  webhookSecret(): Promise<WebhookSecret>;
  /** A new webhook secret; the old one keeps signing beside it for 24 hours (previousValidUntil). */
  rotateWebhookSecret(): Promise<WebhookSecret>;
  /** Your cron schedules: each tick makes one job. */
  schedules: SchedulesClient;
  /** Your groups: their state, pause and resume. */
  groups: GroupsClient;
  /** The operations API (`/v1/admin/...`): needs an admin's token (403 forbidden otherwise); every change is audited. */
  admin: AdminClient;
}

export interface SchedulesClient {
  /** Makes a schedule; a bad cron, zone or job is a 422 naming the field. */
  create(schedule: NewSchedule): Promise<Schedule>;
  /** One page of your schedules, newest first. */
  list(params?: PageParams): Promise<SchedulePage>;
  get(id: string): Promise<Schedule>;
  /** Pauses or resumes it, or changes its cron, zone, job or name. */
  update(id: string, patch: SchedulePatch): Promise<Schedule>;
  /** Deletes it; the jobs it made stay. */
  remove(id: string): Promise<void>;
}

export interface GroupsClient {
  /** Your groups that have jobs waiting or running, or a state (optionally only those in one state). */
  list(params?: { state?: Group["state"] }): Promise<Group[]>;
  get(group: string): Promise<Group>;
  /** Its running job finishes; no further job starts until resume. Submissions are still accepted. */
  pause(group: string): Promise<Group>;
  /** Runs it again; a halted group needs failedJob (retry or skip), else a 409 group_halted. */
  resume(group: string, opts?: { failedJob?: FailedJobChoice }): Promise<Group>;
}

export interface AdminClient {
  /** Every queue this api serves (one), with its jobs by status, groups and workers. */
  queues(): Promise<QueueOverview[]>;
  /** The queue's lines with the most jobs queued, most first. */
  queueGroups(name: string, params?: QueueGroupsParams): Promise<QueueGroup[]>;
  /** The queue by the minute over the last hour (or 24 h): jobs succeeded, failed, retried, and their wait. */
  queueStats(name: string, params?: { window?: "1h" | "24h" }): Promise<QueueStats>;
  /** Workers finish what they hold and take nothing new; submissions are still queued. Answers the queue. */
  pauseQueue(name: string): Promise<QueueOverview>;
  resumeQueue(name: string): Promise<QueueOverview>;
  /** One page of every user's jobs, newest first, filtered; pass nextCursor back as cursor for the next. */
  jobs(params?: AdminJobsParams): Promise<AdminJobPage>;
  /** One job of any user, with every attempt (history). */
  job(id: string): Promise<AdminJob>;
  /** Runs a failed job again, with a new seq at the tail of its line; a job that has not failed is a 409. */
  retry(id: string): Promise<AdminJob>;
  /** Cancels a job that has not ended, running ones too; an ended one is a 409. */
  cancel(id: string): Promise<AdminJob>;
  /** Runs again every failed job the filter matches (at most limit, oldest first). */
  redrive(filter?: RedriveFilter): Promise<RedriveResult>;
  /** One page of admin actions, newest first. */
  audit(params?: PageParams): Promise<AuditPage>;
  /** One page of every user's schedules, newest first, each with its owner. */
  schedules(params?: PageParams): Promise<AdminSchedulePage>;
  /** Every user's paused and halted groups, halted ones first. */
  stoppedGroups(params?: { state?: "paused" | "halted" }): Promise<AdminGroup[]>;
  /** One user's group. */
  group(ownerId: string, group: string): Promise<AdminGroup>;
  pauseGroup(ownerId: string, group: string): Promise<AdminGroup>;
  /** A halted group needs failedJob (retry or skip), else a 409 group_halted. */
  resumeGroup(ownerId: string, group: string, opts?: { failedJob?: FailedJobChoice }): Promise<AdminGroup>;
}

export function createClient(options: ClientOptions): LineupClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;

  const urlOf = (path: string, query: Request["query"] = {}) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.toString();
    return `${baseUrl}${path}${search ? `?${search}` : ""}`;
  };

  const headersOf = (extra: Record<string, string> = {}): Record<string, string> => ({
    accept: "application/json",
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...extra,
  });

  async function send(method: string, path: string, req: Request = {}): Promise<Response> {
    const headers = headersOf(req.headers);
    if (req.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetchImpl(urlOf(path, req.query), {
        method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: req.signal,
      });
    } catch (err) {
      if (req.signal?.aborted) throw err;
      throw new LineupError(0, "network_error", `Could not reach ${baseUrl}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!res.ok) throw await LineupError.fromResponse(res);
    return res;
  }

  async function call<T>(method: string, path: string, req?: Request): Promise<T> {
    const res = await send(method, path, req);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;
  const schedulePath = (id: string) => `/v1/schedules/${encodeURIComponent(id)}`;
  const groupPath = (group: string) => `/v1/groups/${encodeURIComponent(group)}`;
  const adminGroupPath = (ownerId: string, group: string) =>
    `/v1/admin/groups/${encodeURIComponent(ownerId)}/${encodeURIComponent(group)}`;
  const adminJobPath = (id: string) => `/v1/admin/jobs/${encodeURIComponent(id)}`;
  const queuePath = (name: string) => `/v1/admin/queues/${encodeURIComponent(name)}`;
  const keyed = (opts: SubmitOptions) =>
    opts.idempotencyKey === undefined ? undefined : { "idempotency-key": opts.idempotencyKey };

  const client: LineupClient = {
    withToken: (token: string) => createClient({ ...options, token }),

    register: (credentials: Credentials) => call<User>("POST", "/v1/auth/register", { body: credentials }),

    login: (credentials: Credentials) => call<Token>("POST", "/v1/auth/login", { body: credentials }),

    async loginAs(credentials: Credentials) {
      return client.withToken((await client.login(credentials)).accessToken);
    },

    me: () => call<User>("GET", "/v1/auth/me"),

    logout: () => call<void>("POST", "/v1/auth/logout"),

    submit: (job: NewJob, opts: SubmitOptions = {}) =>
      call<Job>("POST", "/v1/jobs", { body: job, headers: keyed(opts), signal: opts.signal }),

    async submitBatch(jobs: NewJob[], opts: SubmitOptions = {}): Promise<Job[]> {
      const body = { jobs };
      const res = await call<{ items: Job[] }>("POST", "/v1/jobs/batch", {
        body,
        headers: keyed(opts),
        signal: opts.signal,
      });
      return res.items;
    },

    get: (id: string, opts: { signal?: AbortSignal } = {}) => call<Job>("GET", jobPath(id), opts),

    list: (params: ListParams = {}, opts: { signal?: AbortSignal } = {}) =>
      call<JobPage>("GET", "/v1/jobs", { query: params, signal: opts.signal }),

    async *pages(params: Omit<ListParams, "cursor"> = {}): AsyncGenerator<JobPage> {
      let cursor: string | undefined;
      do {
        const page = await client.list({ ...params, cursor });
        yield page;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },

    async *jobs(params: Omit<ListParams, "cursor"> = {}): AsyncGenerator<Job> {
      for await (const page of client.pages(params)) yield* page.items;
    },

    cancel: (id: string) => call<Job>("DELETE", jobPath(id)),

    wait: (id: string, opts: { timeoutSeconds: number; signal?: AbortSignal }) =>
      call<Job>("GET", jobPath(id), { query: { wait: opts.timeoutSeconds }, signal: opts.signal }),

    async *events(id?: string, opts: EventsOptions = {}): AsyncGenerator<JobEvent> {
      const path = id === undefined ? "/v1/events" : `${jobPath(id)}/events`;
      let lastEventId = opts.lastEventId;
      let delay = opts.reconnectMs ?? 1000;
      let failures = 0;
      while (!opts.signal?.aborted) {
        try {
          const headers = { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) };
          const res = await send("GET", path, { headers, signal: opts.signal });
          failures = 0;
          const body = res.body as ReadableStream<Uint8Array>;
          const resumeFrom = (at: string) => {
            lastEventId = at;
          };
          for await (const e of readEvents(body, (ms) => (delay = ms), resumeFrom)) {
            const job = parseJob(e.data);
            if (!job) continue;
            yield { id: e.lastEventId ?? null, event: e.event, job };
            if (id !== undefined && FINAL.includes(job.status)) return;
          }
        } catch (err) {
          if (opts.signal?.aborted) return;
          // 4xx will not mend by retrying (401, 404): those end the stream. Others reconnect, backing off.
          if (err instanceof LineupError && err.status >= 400 && err.status < 500 && err.status !== 429) throw err;
          failures += 1;
        }
        await sleep(Math.min(delay * 2 ** Math.max(0, failures - 1), 30_000), opts.signal);
      }
    },

    webhookSecret: () => call<WebhookSecret>("GET", "/v1/auth/webhook-secret"),

    rotateWebhookSecret: () => call<WebhookSecret>("POST", "/v1/auth/webhook-secret/rotate"),

    schedules: {
      create: (schedule: NewSchedule) => call<Schedule>("POST", "/v1/schedules", { body: schedule }),
      list: (params: PageParams = {}) => call<SchedulePage>("GET", "/v1/schedules", { query: params }),
      get: (id: string) => call<Schedule>("GET", schedulePath(id)),
      update: (id: string, patch: SchedulePatch) => call<Schedule>("PATCH", schedulePath(id), { body: patch }),
      remove: (id: string) => call<void>("DELETE", schedulePath(id)),
    },

    groups: {
      async list(params: { state?: Group["state"] } = {}) {
        return (await call<{ items: Group[] }>("GET", "/v1/groups", { query: params })).items;
      },
      get: (group: string) => call<Group>("GET", groupPath(group)),
      pause: (group: string) => call<Group>("POST", `${groupPath(group)}/pause`),
      resume: (group: string, opts: { failedJob?: FailedJobChoice } = {}) =>
        call<Group>("POST", `${groupPath(group)}/resume`, { body: opts }),
    },

    admin: {
      async queues() {
        return (await call<{ items: QueueOverview[] }>("GET", "/v1/admin/queues")).items;
      },
      async queueGroups(name: string, params: QueueGroupsParams = {}) {
        return (await call<{ items: QueueGroup[] }>("GET", `${queuePath(name)}/groups`, { query: params })).items;
      },
      queueStats: (name: string, params: { window?: "1h" | "24h" } = {}) =>
        call<QueueStats>("GET", `${queuePath(name)}/stats`, { query: params }),
      pauseQueue: (name: string) => call<QueueOverview>("POST", `${queuePath(name)}/pause`),
      resumeQueue: (name: string) => call<QueueOverview>("POST", `${queuePath(name)}/resume`),
      jobs: (params: AdminJobsParams = {}) => call<AdminJobPage>("GET", "/v1/admin/jobs", { query: params }),
      job: (id: string) => call<AdminJob>("GET", adminJobPath(id)),
      retry: (id: string) => call<AdminJob>("POST", `${adminJobPath(id)}/retry`),
      cancel: (id: string) => call<AdminJob>("POST", `${adminJobPath(id)}/cancel`),
      redrive: (filter: RedriveFilter = {}) => call<RedriveResult>("POST", "/v1/admin/jobs/retry", { body: filter }),
      audit: (params: PageParams = {}) => call<AuditPage>("GET", "/v1/admin/audit", { query: params }),
      schedules: (params: PageParams = {}) => call<AdminSchedulePage>("GET", "/v1/admin/schedules", { query: params }),
      async stoppedGroups(params: { state?: "paused" | "halted" } = {}) {
        return (await call<{ items: AdminGroup[] }>("GET", "/v1/admin/groups", { query: params })).items;
      },
      group: (ownerId: string, group: string) => call<AdminGroup>("GET", adminGroupPath(ownerId, group)),
      pauseGroup: (ownerId: string, group: string) =>
        call<AdminGroup>("POST", `${adminGroupPath(ownerId, group)}/pause`),
      resumeGroup: (ownerId: string, group: string, opts: { failedJob?: FailedJobChoice } = {}) =>
        call<AdminGroup>("POST", `${adminGroupPath(ownerId, group)}/resume`, { body: opts }),
    },
  };
  return client;
}

function parseJob(data: string): Job | undefined {
  try {
    const value = JSON.parse(data) as Job;
    return value && typeof value === "object" && typeof value.id === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
