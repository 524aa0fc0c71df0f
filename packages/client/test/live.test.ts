// The client against the real api and worker processes: accounts, submit, batch, get, list, cancel, wait, events,
// the webhook secret, the typed errors the api answers, and the operations API (client.admin) with an admin's token.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type AppProcess, createTestContext, grantAdmin, spawnApp, type TestContext } from "@lineup/testkit";
import { createClient, type Job, type LineupClient, LineupError, type NewJob } from "../src";

let ctx: TestContext;
let api: AppProcess;
let worker: AppProcess | undefined;
let client: LineupClient;
const credentials = { email: `client.${crypto.randomUUID().slice(0, 8)}@example.com`, password: "a long password" };
const operator = { email: `ops.${crypto.randomUUID().slice(0, 8)}@example.com`, password: "another long password" };

beforeAll(async () => {
  ctx = await createTestContext("client-live");
  api = await spawnApp("api", ctx.env);
  const anonymous = createClient({ baseUrl: api.url });
  await anonymous.register(credentials);
  client = await anonymous.loginAs(credentials);
});
afterAll(async () => {
  await worker?.stop("SIGTERM");
  await api?.stop("SIGTERM");
  await ctx.cleanup();
});

/** The error a call fails with. */
async function failure(call: Promise<unknown>): Promise<LineupError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LineupError);
  return err as LineupError;
}

async function until(id: string, done: (job: Job) => boolean, timeoutMs = 15_000): Promise<Job> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const job = await client.get(id);
    if (done(job) || performance.now() > deadline) return job;
    await Bun.sleep(50);
  }
}

describe("client against the live api", () => {
  it("knows who it is after loginAs", async () => {
    expect(await client.me()).toMatchObject({ email: credentials.email, role: "user" });
  });

  it("submits a job, gets the same job back on a replay with the same Idempotency-Key, and reads it", async () => {
    const job = await client.submit({ type: "echo", payload: { hello: "client" } }, { idempotencyKey: "k-1" });
    expect(job).toMatchObject({ type: "echo", status: "queued", payload: { hello: "client" }, attempts: 0 });
    expect(job.seq).toBeGreaterThan(0);
    const again = await client.submit({ type: "echo", payload: { hello: "client" } }, { idempotencyKey: "k-1" });
    expect(again.id).toBe(job.id);
    // Read back, a queued job also says where it stands in its line.
    const { position, etaSeconds: _eta, ...read } = await client.get(job.id);
    expect(read).toEqual(job);
    expect(position).toBe(0);
  });

  it("submits a batch, all in order with consecutive seqs, and cancels one of its queued jobs once", async () => {
    const jobs: NewJob[] = [1, 2, 3].map((n) => ({ type: "echo", payload: n, group: "client-batch" }));
    const items = await client.submitBatch(jobs);
    expect(items.map((j) => j.payload)).toEqual([1, 2, 3]);
    const first = items[0]?.seq as number;
    expect(items.map((j) => j.seq)).toEqual([first, first + 1, first + 2]);
    const canceled = await client.cancel(items[2]?.id as string);
    expect(canceled.status).toBe("canceled");
    const again = await failure(client.cancel(items[2]?.id as string));
    expect(again).toMatchObject({ status: 409, code: "not_cancelable" });
  });

  it("lists one page at a time and iterates over every page", async () => {
    const page = await client.list({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const pages = [];
    for await (const p of client.pages({ limit: 2 })) pages.push(p);
    expect(pages.length).toBe(2);
    const all = [];
    for await (const job of client.jobs({ group: "client-batch" })) all.push(job.payload);
    expect(all).toEqual([3, 2, 1]);
    expect((await client.list({ status: "canceled" })).items.map((j) => j.payload)).toEqual([3]);
  });

  it("throws typed errors: 401 without a token, 404 for a missing job, 422 naming the field", async () => {
    const anonymous = createClient({ baseUrl: api.url });
    expect(await failure(anonymous.list())).toMatchObject({ status: 401, code: "unauthorized" });
    expect(await failure(client.withToken("not.a.token").me())).toMatchObject({ status: 401 });
    const missing = await failure(client.get("0".repeat(24)));
    expect(missing).toMatchObject({ status: 404, code: "not_found", message: "No such job." });
    expect(missing.requestId).toEqual(expect.any(String));
    const invalid = await failure(client.submit({ type: "http", payload: { method: "GET" } } as unknown as NewJob));
    expect(invalid).toMatchObject({ status: 422, code: "validation_failed" });
    expect(invalid.details.map((d) => d.path)).toContain("payload.url");
    const reused = await failure(client.submit({ type: "echo", payload: "other" }, { idempotencyKey: "k-1" }));
    expect(reused).toMatchObject({ status: 422, code: "idempotency_key_reused" });
  });

  it("sees a job through to its result once a worker runs", async () => {
    const job = await client.submit({ type: "echo", payload: { done: true } });
    worker = await spawnApp("worker", { ...ctx.env, WORKER_ID: "w-client-live" });
    const finished = await until(job.id, (j) => j.status === "succeeded");
    expect(finished).toMatchObject({ status: "succeeded", result: { done: true }, attempts: 1 });
    expect(finished.finishedAt).toEqual(expect.any(String));
  });

  it("waits for a job without polling: answers once it is final, or as it is when the time is up", async () => {
    const job = await client.submit({ type: "echo", payload: { waited: true }, group: "client-wait" });
    const done = await client.wait(job.id, { timeoutSeconds: 20 });
    expect(done).toMatchObject({ id: job.id, status: "succeeded", result: { waited: true } });
    const invalid = await failure(client.wait(job.id, { timeoutSeconds: 61 }));
    expect(invalid).toMatchObject({ status: 422, code: "validation_failed" });
  });

  it("follows one job's events to its end, and all jobs' events resumed from an id", async () => {
    const all = new AbortController();
    const seen: { id: string | null; status: string; job: string }[] = [];
    const following = (async () => {
      for await (const e of client.events(undefined, { signal: all.signal })) {
        seen.push({ id: e.id, status: e.job.status, job: e.job.id });
      }
    })();
    await Bun.sleep(200);
    const job = await client.submit({ type: "echo", payload: 1, group: "client-events" });
    const mine = [];
    for await (const e of client.events(job.id)) mine.push(e.job.status);
    expect(mine.at(-1)).toBe("succeeded");
    expect(mine).toEqual(["queued", "running", "succeeded"].slice(-mine.length));
    const deadline = performance.now() + 10_000;
    while (!seen.some((e) => e.job === job.id && e.status === "succeeded") && performance.now() < deadline)
      await Bun.sleep(20);
    all.abort();
    await following;
    const ofJob = seen.filter((e) => e.job === job.id);
    expect(ofJob.map((e) => e.status)).toEqual(["running", "succeeded"]);
    // Resuming after the first of them gives the rest, and nothing before.
    const resumed = new AbortController();
    const again: string[] = [];
    for await (const e of client.events(undefined, {
      lastEventId: ofJob[0]?.id ?? undefined,
      signal: resumed.signal,
    })) {
      again.push(`${e.job.id}:${e.job.status}`);
      if (e.job.id === job.id && e.job.status === "succeeded") resumed.abort();
    }
    expect(again).toEqual([`${job.id}:succeeded`]);
  });

  it("reads and rotates the webhook secret", async () => {
    const first = await client.webhookSecret();
    expect(first.secret).toMatch(/^whsec_/);
    expect((await client.webhookSecret()).secret).toBe(first.secret);
    const rotated = await client.rotateWebhookSecret();
    expect(rotated.secret).not.toBe(first.secret);
    expect(rotated.previousValidUntil).toEqual(expect.any(String));
  });

  it("operates the queue with an admin's token: overview, groups, pause, jobs, cancel, retry, redrive, audit", async () => {
    const anonymous = createClient({ baseUrl: api.url });
    await anonymous.register(operator);
    await grantAdmin(ctx.env, operator.email);
    const operatorClient = await anonymous.loginAs(operator);
    const ops = operatorClient.admin;
    expect(await failure(client.admin.queues())).toMatchObject({ status: 403, code: "forbidden" });

    const [queue, ...others] = await ops.queues();
    expect(others).toEqual([]);
    expect(queue).toMatchObject({ name: ctx.queueName, paused: false });
    const name = ctx.queueName;
    expect((await ops.pauseQueue(name)).paused).toBe(true);
    const waiting = await client.submit({ type: "echo", payload: "waits", group: "client-admin" });
    try {
      const groups = await ops.queueGroups(name, { limit: 10 });
      expect(groups.find((g) => g.group === "client-admin")).toMatchObject({ queued: 1 });
      const page = await ops.jobs({ group: "client-admin", status: "queued", limit: 5 });
      expect(page.items.map((j) => [j.id, j.ownerEmail])).toEqual([[waiting.id, credentials.email]]);
      expect(await ops.cancel(waiting.id)).toMatchObject({ id: waiting.id, status: "canceled" });
      expect(await failure(ops.cancel(waiting.id))).toMatchObject({ status: 409, code: "not_cancelable" });
      expect(await failure(ops.retry(waiting.id))).toMatchObject({ status: 409, code: "not_retryable" });
    } finally {
      expect((await ops.resumeQueue(name)).paused).toBe(false);
    }

    // A job that fails at once (the worker may not reach loopback addresses): retried, then redriven by its group.
    const doomed = await client.submit({
      type: "http",
      payload: { url: "http://127.0.0.1:9/", method: "GET" },
      group: "client-redrive",
      maxAttempts: 1,
    });
    await until(doomed.id, (j) => j.status === "failed");
    const failed = await ops.job(doomed.id);
    expect(failed.history?.map((a) => a.outcome)).toEqual(["failed"]);
    const retried = await ops.retry(doomed.id);
    expect(retried.status).toBe("queued");
    expect(retried.seq).toBeGreaterThan(failed.seq as number);
    await until(doomed.id, (j) => j.status === "failed");
    expect(await ops.redrive({ group: "client-redrive" })).toEqual({ count: 1, ids: [doomed.id] });
    await until(doomed.id, (j) => j.status === "failed");
    expect((await ops.job(doomed.id)).history).toHaveLength(3);

    const first = await ops.audit({ limit: 3 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await ops.audit({ limit: 3, cursor: first.nextCursor ?? undefined });
    expect(rest.nextCursor).toBeNull();
    expect([...first.items, ...rest.items].map((e) => [e.action, e.actorEmail])).toEqual([
      ...["jobs.redrive", "job.retry", "queue.resume", "job.cancel", "queue.pause"].map((a) => [a, operator.email]),
      ["admin.grant", "(admin command)"],
    ]);

    await operatorClient.logout();
    expect(await failure(operatorClient.me())).toMatchObject({ status: 401, code: "unauthorized" });
  });
});
