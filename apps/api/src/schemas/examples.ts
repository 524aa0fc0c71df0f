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
};

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
