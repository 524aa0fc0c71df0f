// Long-poll (GET /v1/jobs/{id}?wait=) and a queued job's position, against the app in process (its MongoDB commands
// counted by the driver's command monitoring) and a real worker process running jobs.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type AppProcess, createTestContext, spawnApp, type TestContext, waitFor } from "@lineup/testkit";
import { MongoClient } from "mongodb";
import { type Called, makeApp, startTarget, tokenFor } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
let worker: AppProcess;
let monitored: MongoClient;
let target: ReturnType<typeof startTarget>;
// The `http` jobs' target holds each request until the test frees the job's group: that is when the job finishes.
const held: { group: string; release: () => void }[] = [];
const freed = new Set<string>();
function free(group: string): void {
  freed.add(group);
  for (const h of held) if (h.group === group) h.release();
}
/** MongoDB commands the in-process api sent (the driver's own handshakes and pings left out). */
let commands = 0;

beforeAll(async () => {
  ctx = await createTestContext("waits");
  monitored = new MongoClient(ctx.mongoUrl, { monitorCommands: true });
  monitored.on("commandStarted", (e) => {
    if (!["hello", "isMaster", "ismaster", "ping", "endSessions"].includes(e.commandName)) commands += 1;
  });
  await monitored.connect();
  api = await makeApp(ctx, { db: monitored.db(ctx.dbName) });
  target = startTarget((_req, body) => {
    const { group } = JSON.parse(body) as { group: string };
    if (freed.has(group)) return new Response("done");
    return new Promise<Response>((resolve) => held.push({ group, release: () => resolve(new Response("done")) }));
  });
  worker = await spawnApp("worker", {
    ...ctx.env,
    WORKER_ID: "w-waits",
    WORKER_CONCURRENCY: "4",
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
  });
});
afterAll(async () => {
  for (const h of held) h.release();
  await worker?.stop();
  target?.stop();
  await monitored?.close();
  await ctx.cleanup();
});

const heldJob = (group: string) => ({
  type: "http",
  group,
  payload: { url: `${target.url}/slow`, method: "POST", body: { group } },
});

const until = <T>(fn: () => T | Promise<T>, timeoutMs = 15_000) => waitFor(fn, timeoutMs, 10);

/** Submits a job that runs until its group is freed; resolves once it is running (its request arrived). */
async function runningJob(token: string, group: string): Promise<{ id: string; release: () => void }> {
  const before = held.length;
  const res = await api.call("POST", "/v1/jobs", { token, body: heldJob(group) });
  expect(res.status).toBe(202);
  await until(() => held.length > before);
  // Running on record too: a run's start is recorded once it outlasts a quick run (a quarter of a second). Read from
  // MongoDB, not through the api, whose estimate would cache a queue with no finished job yet.
  const jobs = ctx.db.collection<{ _id: string; status: string }>("jobs");
  await until(async () => (await jobs.findOne({ _id: res.body.id }))?.status === "running");
  return { id: res.body.id, release: () => free(group) };
}

describe("GET /v1/jobs/{id}?wait=", () => {
  it("answers within 100 ms of the job finishing, and sends MongoDB nothing while it waits", async () => {
    const token = await tokenFor(api, "waits");
    const job = await runningJob(token, "fast-answer");
    const before = commands;
    const answer: Promise<Called & { at: number }> = api
      .call("GET", `/v1/jobs/${job.id}?wait=30`, { token })
      .then((res) => ({ ...res, at: Date.now() }));
    // The wait reads the job once, then listens.
    await until(() => commands > before);
    await Bun.sleep(50);
    const listening = commands;
    await Bun.sleep(1_500);
    expect(commands - listening).toBe(0);

    job.release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("succeeded");
    const late = res.at - Date.parse(res.body.finishedAt);
    expect(late).toBeLessThan(100);
    // Woken by the change: one more read of the job, and nothing else.
    expect(commands - listening).toBe(1);
  });

  it("answers at once with wait=0, and with the job as it is when the wait is over", async () => {
    const token = await tokenFor(api, "waits");
    const blocker = await runningJob(token, "timeout");
    const queued = await api.call("POST", "/v1/jobs", { token, body: { ...heldJob("timeout") } });
    const now = await api.call("GET", `/v1/jobs/${queued.body.id}?wait=0`, { token });
    expect(now.body).toMatchObject({ status: "queued", position: 1 });

    const started = performance.now();
    const later = await api.call("GET", `/v1/jobs/${queued.body.id}?wait=1`, { token });
    const took = performance.now() - started;
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ id: queued.body.id, status: "queued", position: 1 });
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(3_000);
    blocker.release();
  });

  it("answers a job that is final already at once", async () => {
    const token = await tokenFor(api, "waits");
    const job = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1 } });
    await until(async () => (await api.call("GET", `/v1/jobs/${job.body.id}`, { token })).body.status === "succeeded");
    const started = performance.now();
    const res = await api.call("GET", `/v1/jobs/${job.body.id}?wait=30`, { token });
    expect(res.body.status).toBe("succeeded");
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ["61", "over the 60 s limit"],
    ["-1", "negative"],
    ["soon", "not a number"],
  ])("answers 422 naming wait for wait=%s (%s)", async (wait) => {
    const token = await tokenFor(api, "waits");
    const res = await api.call("GET", `/v1/jobs/0123456789abcdef01234567?wait=${wait}`, { token });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(["wait"]);
  });

  it("answers 404 at once for someone else's job", async () => {
    const [owner, other] = [await tokenFor(api, "waits"), await tokenFor(api, "waits")];
    const job = await api.call("POST", "/v1/jobs", { token: owner, body: { type: "echo", payload: 2 } });
    const started = performance.now();
    const res = await api.call("GET", `/v1/jobs/${job.body.id}?wait=30`, { token: other });
    expect(res.status).toBe(404);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("answers 503 with Retry-After past LONG_POLLS_MAX, and waits again once one has ended", async () => {
    const small = await makeApp(ctx, { env: { LONG_POLLS_MAX: "1" } });
    const token = await tokenFor(small, "waits");
    const job = await runningJob(token, "limit");
    const first = small.call("GET", `/v1/jobs/${job.id}?wait=2`, { token });
    await Bun.sleep(100);
    const refused = await small.call("GET", `/v1/jobs/${job.id}?wait=2`, { token });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await first).body.status).toBe("running");
    job.release();
    expect((await small.call("GET", `/v1/jobs/${job.id}?wait=10`, { token })).body.status).toBe("succeeded");
  });

  it("answers every wait at once with the job as it is when the api shuts down", async () => {
    const closing = new AbortController();
    const app = await makeApp(ctx, { closing: closing.signal });
    const token = await tokenFor(app, "waits");
    const job = await runningJob(token, "shutdown");
    const answer = app.call("GET", `/v1/jobs/${job.id}?wait=30`, { token });
    await Bun.sleep(200);
    const started = performance.now();
    closing.abort();
    const res = await answer;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.body.status).toBe("running");
    job.release();
  });
});

describe("position and etaSeconds", () => {
  it("show the jobs ahead of a queued job in its line, and an estimate once jobs have finished", async () => {
    const token = await tokenFor(api, "waits");
    // Something has finished in this queue by now (the tests above), so the estimate has a basis.
    const blocker = await runningJob(token, "line");
    const queued = [];
    for (let i = 0; i < 3; i++)
      queued.push((await api.call("POST", "/v1/jobs", { token, body: heldJob("line") })).body);
    const views = await Promise.all(queued.map((j) => api.call("GET", `/v1/jobs/${j.id}`, { token })));
    expect(views.map((v) => v.body.position)).toEqual([1, 2, 3]);
    for (const v of views) expect(v.body.etaSeconds).toEqual(expect.any(Number));
    expect(views[2]?.body.etaSeconds).toBeGreaterThanOrEqual(views[0]?.body.etaSeconds);
    // Another line's queue is not ahead: a job alone in its group is next.
    const alone = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 3, group: "alone" } });
    const answered = await api.call("GET", `/v1/jobs/${alone.body.id}?wait=10`, { token });
    expect(answered.body.status).toBe("succeeded");
    expect(answered.body.position).toBeUndefined();
    // Neither the list nor a running job shows them.
    const list = await api.call("GET", "/v1/jobs?group=line", { token });
    for (const item of list.body.items) expect(item.position).toBeUndefined();
    expect((await api.call("GET", `/v1/jobs/${blocker.id}`, { token })).body.position).toBeUndefined();
    blocker.release();
  });
});

describe("a run that began moments ago", () => {
  it("cannot be canceled by its owner, though its record may still say queued, and runs to its end", async () => {
    const token = await tokenFor(api, "waits");
    const before = held.length;
    const res = await api.call("POST", "/v1/jobs", { token, body: heldJob("begun") });
    await until(() => held.length > before);
    // Within its first quarter of a second a run's start need not be on record yet: Redis says it runs.
    const cancel = await api.call("DELETE", `/v1/jobs/${res.body.id}`, { token });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: "not_cancelable", message: expect.stringContaining("running") });
    free("begun");
    const done = await api.call("GET", `/v1/jobs/${res.body.id}?wait=10`, { token });
    expect(done.body).toMatchObject({ status: "succeeded", attempts: 1 });
  });
});
