// Example values the API reference shows: what a client sends and what it gets back, in the shapes the code uses.

export const exampleCredentials = { email: "ada@example.com", password: "correct horse battery staple" };

export const exampleUser = {
  id: "665f1c2e8b3d4a0012a1b2c3",
  email: "ada@example.com",
  role: "user",
  createdAt: "2026-01-15T09:30:00.000Z",
};

export const exampleToken = {
  accessToken: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NjVmMWMyZThiM2Q0YTAwMTJhMWIyYzMifQ.c2lnbmF0dXJl",
  tokenType: "Bearer",
  expiresIn: 3600,
};

export const examplePasswordChange = {
  currentPassword: "correct horse battery staple",
  newPassword: "a new long pass",
};

export const exampleEchoJob = { type: "echo", payload: { hello: "world" } };

export const exampleHttpJob = {
  type: "http",
  payload: { url: "https://example.com/hooks/orders", method: "POST", body: { orderId: 42, status: "paid" } },
  group: "orders",
  maxAttempts: 5,
  callbackUrl: "https://example.com/lineup/done",
};

export const exampleCallback = {
  url: "https://example.com/lineup/done",
  status: "pending",
  attempts: 0,
};

export const exampleQueuedJob = {
  id: "665f1d0a8b3d4a0012a1b2d4",
  type: "http",
  group: "orders",
  status: "queued",
  payload: exampleHttpJob.payload,
  seq: 1042,
  attempts: 0,
  maxAttempts: 5,
  createdAt: "2026-01-15T09:31:00.000Z",
  callback: exampleCallback,
};

/** A queued job as GET /v1/jobs/{id} shows it: with its place in its line. */
export const exampleWaitingJob = { ...exampleQueuedJob, position: 3, etaSeconds: 2 };

export const exampleSucceededJob = {
  id: "665f1d0a8b3d4a0012a1b2d5",
  type: "echo",
  status: "succeeded",
  payload: { hello: "world" },
  result: { hello: "world" },
  seq: 1043,
  attempts: 1,
  maxAttempts: 3,
  createdAt: "2026-01-15T09:31:01.000Z",
  startedAt: "2026-01-15T09:31:01.020Z",
  finishedAt: "2026-01-15T09:31:01.031Z",
};

export const exampleCanceledJob = {
  ...exampleQueuedJob,
  status: "canceled",
  finishedAt: "2026-01-15T09:31:30.000Z",
};

export const exampleBatch = { jobs: [exampleEchoJob, exampleHttpJob] };

export const exampleBatchJobs = {
  items: [
    {
      id: "665f1d0a8b3d4a0012a1b2e1",
      type: "echo",
      status: "queued",
      payload: exampleEchoJob.payload,
      seq: 2001,
      attempts: 0,
      maxAttempts: 3,
      createdAt: "2026-01-15T09:32:00.000Z",
    },
    { ...exampleQueuedJob, id: "665f1d0a8b3d4a0012a1b2e2", seq: 2002, createdAt: "2026-01-15T09:32:00.000Z" },
  ],
};

export const exampleJobPage = {
  items: [exampleSucceededJob, exampleQueuedJob],
  // A cursor is opaque to clients; this one is what the api makes for the page's last job.
  nextCursor: Buffer.from(JSON.stringify([Date.parse(exampleQueuedJob.createdAt), exampleQueuedJob.id])).toString(
    "base64url",
  ),
};

// Admin (operations) API.

const exampleAdmin = { id: "665f1b008b3d4a0012a1b200", email: "ops@example.com" };

export const exampleFailedAdminJob = {
  ...exampleQueuedJob,
  id: "665f1d0a8b3d4a0012a1b2f7",
  status: "failed",
  attempts: 5,
  error: { code: "http_5xx", message: "POST https://example.com/hooks/orders answered 503" },
  startedAt: "2026-01-15T09:31:00.020Z",
  finishedAt: "2026-01-15T09:47:02.113Z",
  queue: "default",
  line: `g:${exampleUser.id}:orders`,
  ownerId: exampleUser.id,
  ownerEmail: exampleUser.email,
  workerId: "worker-7f3a",
  history: [
    {
      attempt: 4,
      workerId: "worker-7f3a",
      startedAt: "2026-01-15T09:39:01.050Z",
      endedAt: "2026-01-15T09:39:01.410Z",
      outcome: "retry",
      error: { code: "http_5xx", message: "POST https://example.com/hooks/orders answered 503" },
    },
    {
      attempt: 5,
      workerId: "worker-7f3a",
      startedAt: "2026-01-15T09:47:01.900Z",
      endedAt: "2026-01-15T09:47:02.113Z",
      outcome: "failed",
      error: { code: "http_5xx", message: "POST https://example.com/hooks/orders answered 503" },
    },
  ],
};

export const exampleRetriedAdminJob = {
  ...exampleFailedAdminJob,
  status: "queued",
  seq: 5120,
  attempts: 0,
  error: undefined,
  finishedAt: undefined,
};

export const exampleAdminJobPage = { items: [exampleFailedAdminJob], nextCursor: null };

export const exampleRedrive = { type: "http", group: "orders", limit: 100 };

export const exampleRedriveResult = { count: 1, ids: [exampleFailedAdminJob.id] };

export const exampleQueueOverview = {
  name: "default",
  paused: false,
  jobs: { queued: 1250, running: 8, succeeded: 98_311, failed: 12, canceled: 3 },
  deadSet: 12,
  groups: { ready: 40, inFlight: 8, retrying: 2 },
  oldestReadyAgeSeconds: 1.8,
  throughputLastMinute: 5_400,
  workers: [
    {
      id: "worker-7f3a",
      alive: true,
      lastSeenAt: "2026-01-15T09:47:02.500Z",
      holding: [
        { id: exampleQueuedJob.id, seq: exampleQueuedJob.seq, line: `g:${exampleUser.id}:orders`, type: "http" },
      ],
    },
  ],
};

export const exampleGroup = { group: "orders", state: "active", scheduled: 2, queued: 14, running: 1 };

export const exampleHaltedGroup = {
  group: "invoices",
  state: "halted",
  scheduled: 0,
  queued: 5,
  running: 0,
  haltedJobId: "665f1e2ab4c0d3a1e8f9b2c7",
};

export const exampleGroups = {
  items: [
    {
      line: `g:${exampleUser.id}:orders`,
      ownerId: exampleUser.id,
      group: "orders",
      queued: 320,
      oldestCreatedAt: "2026-01-15T09:30:12.000Z",
    },
    { line: "q", queued: 41, oldestCreatedAt: "2026-01-15T09:31:40.000Z" },
  ],
};

export const exampleAuditPage = {
  items: [
    {
      id: "665f1e008b3d4a0012a1b301",
      at: "2026-01-15T09:50:00.000Z",
      actorId: exampleAdmin.id,
      actorEmail: exampleAdmin.email,
      action: "jobs.redrive",
      target: { filter: { type: "http", group: "orders", limit: 100 } },
      count: 1,
    },
  ],
  nextCursor: null,
};

export const exampleWebhookSecret = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4bUDQ7CDdvk=",
  createdAt: "2026-01-15T09:30:00.000Z",
};

export const exampleRotatedWebhookSecret = {
  secret: "whsec_k3vQ1xq8mR0l6V9nZy2Tg7cFh4jWb5dAe1sKp0oLuI8=",
  createdAt: "2026-02-01T10:00:00.000Z",
  previousValidUntil: "2026-02-02T10:00:00.000Z",
};

const runningEvent = {
  ...exampleSucceededJob,
  status: "running",
  result: undefined,
  finishedAt: undefined,
};

/** One job's stream: its state now, each change, and the end after the final one. */
export const exampleJobEventStream = [
  "retry: 1000",
  "",
  "id: 1768469461000-0",
  `data: ${JSON.stringify({ ...exampleSucceededJob, status: "queued", attempts: 0, result: undefined, startedAt: undefined, finishedAt: undefined })}`,
  "",
  "id: 1768469461020-0",
  `data: ${JSON.stringify(runningEvent)}`,
  "",
  "id: 1768469461031-0",
  `data: ${JSON.stringify(exampleSucceededJob)}`,
  "",
  "",
].join("\n");

/** A user's stream: changes of any of the user's jobs, with heartbeats while nothing happens. */
export const exampleEventStream = [
  "retry: 1000",
  "",
  "id: 1768469461020-0",
  `data: ${JSON.stringify(runningEvent)}`,
  "",
  ": heartbeat",
  "",
  "id: 1768469461031-0",
  `data: ${JSON.stringify(exampleSucceededJob)}`,
  "",
  "",
].join("\n");

export const exampleScheduleRequest = {
  name: "nightly report",
  cron: "30 2 * * *",
  timezone: "Europe/Berlin",
  job: { type: "http", payload: { url: "https://example.com/report", method: "POST" }, group: "reports" },
};

export const exampleSchedule = {
  id: "665f1f0e8b3d4a0012a1b3a0",
  ...exampleScheduleRequest,
  paused: false,
  nextRunAt: "2026-01-16T01:30:00.000Z",
  lastRunAt: "2026-01-15T01:30:00.000Z",
  createdAt: "2026-01-01T12:00:00.000Z",
};
