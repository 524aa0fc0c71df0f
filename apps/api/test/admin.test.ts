// The admin API: every route is the admin's alone, every change lands in the audit trail.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { finishJob, retryJobLater, startJob } from "@lineup/db";
import type { JobDoc } from "@lineup/jobs";
import { createQueue, decodeEnvelope } from "@lineup/queue";
import { createTestContext, grantAdmin, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
const ADMIN = "ops@example.com";
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext("admin");
  api = await makeApp(ctx);
  // As an operator makes an admin: register, `admin grant`, log in again (the token before the grant is retired).
  await tokenFor(ADMIN);
  await grantAdmin(ctx.env, ADMIN);
  admin = await tokenFor(ADMIN);
});
afterAll(() => ctx.cleanup());

async function tokenFor(email: string): Promise<string> {
  await api.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
  return (await api.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body.accessToken;
}
const userToken = () => tokenFor(uniqueEmail("admin-user"));
const jobs = () => ctx.db.collection<JobDoc>("jobs");
const queue = () => createQueue(ctx.redisClient, ctx.queueName);

async function submit(token: string, body: Record<string, unknown> = {}): Promise<{ id: string; seq: number }> {
  const res = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1, ...body } });
  expect(res.status).toBe(202);
  return res.body;
}

/** Plays the worker for one attempt: start, then fail for good (or wait out a retry). */
async function fail(id: string, options: { retry?: boolean } = {}): Promise<void> {
  const doc = (await jobs().findOne({ _id: id })) as JobDoc;
  const now = new Date();
  const started = (await startJob(ctx.db, { id, seq: doc.seq as number, workerId: "w-1", now })) as JobDoc;
  const error = { code: "boom", message: "it broke" };
  if (options.retry) {
    await retryJobLater(ctx.db, { id, attempts: started.attempts, error, retryAt: new Date(Date.now() + 60_000), now });
  } else {
    // Kept a day, as JOB_RETENTION would: an expireAt of now lets MongoDB's TTL monitor take the job mid-test.
    const expireAt = new Date(now.getTime() + 86_400_000);
    await finishJob(ctx.db, { id, attempts: started.attempts, now, expireAt, status: "failed", error });
  }
}

const auditActions = async () =>
  ((await api.call("GET", "/v1/admin/audit?limit=100", { token: admin })).body.items as { action: string }[]).map(
    (a) => a.action,
  );

describe("access", () => {
  it.each([
    ["GET", "/v1/admin/queues"],
    ["GET", "/v1/admin/queues/q/groups"],
    ["GET", "/v1/admin/queues/q/stats"],
    ["POST", "/v1/admin/queues/q/pause"],
    ["POST", "/v1/admin/queues/q/resume"],
    ["GET", "/v1/admin/jobs"],
    ["POST", "/v1/admin/jobs/retry"],
    ["GET", "/v1/admin/jobs/0123456789abcdef01234567"],
    ["POST", "/v1/admin/jobs/0123456789abcdef01234567/retry"],
    ["POST", "/v1/admin/jobs/0123456789abcdef01234567/cancel"],
    ["GET", "/v1/admin/audit"],
  ])(
    "%s %s answers 401 without a token and 403 forbidden to a user, before looking at the request",
    async (method, path) => {
      const body = method === "POST" ? { limit: "not a number" } : undefined;
      const anonymous = await api.call(method, path, { body });
      expect(anonymous.status).toBe(401);
      const user = await api.call(method, path, { token: await userToken(), body });
      expect(user.status).toBe(403);
      expect(user.body.error.code).toBe("forbidden");
    },
  );
});

describe("queues", () => {
  it("shows jobs by status, groups, the dead set and the workers with what each holds", async () => {
    const token = await userToken();
    const a = await submit(token, { group: "overview-a" });
    await submit(token, { group: "overview-a" });
    await submit(token, { group: "overview-b" });
    // A worker took overview-a's head.
    await queue().register("w-view", "i");
    const Redis = (await import("ioredis")).default;
    const blocking = new Redis(ctx.redisUrl);
    const held = await queue().take(blocking, "w-view", 1);
    blocking.disconnect();
    const res = await api.call("GET", "/v1/admin/queues", { token: admin });
    expect(res.status).toBe(200);
    const [overview] = res.body.items;
    expect(overview).toMatchObject({ name: ctx.queueName, paused: false, groups: { inFlight: 1 } });
    expect(overview.jobs.queued).toBeGreaterThanOrEqual(3);
    const worker = overview.workers.find((w: { id: string }) => w.id === "w-view");
    expect(worker).toMatchObject({ alive: true, holding: [{ id: decodeEnvelope(held as string)?.id }] });
    expect(decodeEnvelope(held as string)?.id).toBe(a.id);

    const groups = await api.call("GET", `/v1/admin/queues/${ctx.queueName}/groups?limit=50`, { token: admin });
    const a2 = groups.body.items.find((g: { group?: string }) => g.group === "overview-a");
    expect(a2).toMatchObject({ queued: 2, ownerId: expect.any(String) });
    expect((await api.call("GET", "/v1/admin/queues/elsewhere/groups", { token: admin })).status).toBe(404);
  });

  it("counts by the minute what the worker's scripts ended and deferred, over the hour or the day", async () => {
    const token = await userToken();
    await submit(token, { group: "stats-a" });
    await submit(token, { group: "stats-b" });
    const Redis = (await import("ioredis")).default;
    const blocking = new Redis(ctx.redisUrl);
    await queue().register("w-stats", "i");
    const path = `/v1/admin/queues/${ctx.queueName}/stats`;
    const sum = async (window = "1h") => {
      const res = await api.call("GET", `${path}?window=${window}`, { token: admin });
      expect(res.status).toBe(200);
      const minutes = res.body.minutes as { succeeded: number; retried: number; waitP95Ms: number | null }[];
      return {
        minutes: minutes.length,
        succeeded: minutes.reduce((n, m) => n + m.succeeded, 0),
        retried: minutes.reduce((n, m) => n + m.retried, 0),
        waits: minutes.flatMap((m) => (m.waitP95Ms === null ? [] : [m.waitP95Ms])),
      };
    };
    const before = await sum();
    // As a worker does: one job ends (it waited 30 ms), one attempt fails and waits out a retry.
    for (const outcome of ["end", "retry"]) {
      const raw = (await queue().take(blocking, "w-stats", 1)) as string;
      if (outcome === "end") await queue().complete("w-stats", raw, { stats: { outcome: "succeeded", waitMs: 30 } });
      else {
        await queue().defer("w-stats", raw, Date.now() + 60_000);
        // Out of the way of the tests after this one, which count the delayed set.
        await ctx.redisClient.zrem(queue().keys.delayed, raw);
      }
    }
    blocking.disconnect();
    const after = await sum();
    expect(after).toMatchObject({ minutes: 60, succeeded: before.succeeded + 1, retried: before.retried + 1 });
    expect(after.waits).toContain(50); // 30 ms falls in the bucket up to 50 ms
    expect((await sum("24h")).minutes).toBe(1440);
    expect((await api.call("GET", `${path}?window=2h`, { token: admin })).status).toBe(422);
    expect((await api.call("GET", "/v1/admin/queues/elsewhere/stats", { token: admin })).status).toBe(404);
  });

  it("pauses and resumes: recorded in MongoDB and Redis, said by /readyz and by submissions, audited", async () => {
    const paused = await api.call("POST", `/v1/admin/queues/${ctx.queueName}/pause`, { token: admin });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    expect(await queue().isPaused()).toBe(true);
    expect(await ctx.db.collection("queues").findOne({ _id: ctx.queueName as never })).toMatchObject({
      paused: true,
      changedBy: ADMIN,
    });
    const ready = await api.call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.queue).toEqual({ name: ctx.queueName, paused: true });
    await Bun.sleep(1_100); // the api reads the flag at most once a second
    const accepted = await api.call("POST", "/v1/jobs", {
      token: await userToken(),
      body: { type: "echo", payload: 1 },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("x-queue-paused")).toBe("true");

    const resumed = await api.call("POST", `/v1/admin/queues/${ctx.queueName}/resume`, { token: admin });
    expect(resumed.body.paused).toBe(false);
    expect(await queue().isPaused()).toBe(false);
    expect(await auditActions()).toEqual(expect.arrayContaining(["queue.pause", "queue.resume"]));
  });
});

describe("jobs", () => {
  it("lists every user's jobs, filtered by owner, status, type, group and time, with cursor paging", async () => {
    const [alice, bob] = [await userToken(), await userToken()];
    const since = new Date().toISOString();
    const a1 = await submit(alice, { group: "list-g" });
    const b1 = await submit(bob);
    const b2 = await submit(bob, { group: "list-g" });
    const mine = await api.call("GET", `/v1/admin/jobs?from=${since}&limit=2`, { token: admin });
    expect(mine.body.items.map((j: { id: string }) => j.id)).toEqual([b2.id, b1.id]);
    const next = await api.call("GET", `/v1/admin/jobs?from=${since}&limit=2&cursor=${mine.body.nextCursor}`, {
      token: admin,
    });
    expect(next.body.items.map((j: { id: string }) => j.id)).toEqual([a1.id]);
    const owner = next.body.items[0].ownerId;
    expect(next.body.items[0]).toMatchObject({
      ownerEmail: expect.stringContaining("@example.com"),
      line: expect.any(String),
    });
    const byOwner = await api.call("GET", `/v1/admin/jobs?owner=${owner}&from=${since}`, { token: admin });
    expect(byOwner.body.items.map((j: { id: string }) => j.id)).toEqual([a1.id]);
    const byGroup = await api.call("GET", `/v1/admin/jobs?group=list-g&from=${since}`, { token: admin });
    expect(byGroup.body.items.map((j: { id: string }) => j.id)).toEqual([b2.id, a1.id]);
    await fail(b1.id);
    const failed = await api.call("GET", `/v1/admin/jobs?status=failed&type=echo&from=${since}`, { token: admin });
    expect(failed.body.items.map((j: { id: string }) => j.id)).toEqual([b1.id]);
    const none = await api.call("GET", `/v1/admin/jobs?to=${since}&from=${since}`, { token: admin });
    expect(none.body.items).toEqual([]);
    expect((await api.call("GET", "/v1/admin/jobs?owner=nope", { token: admin })).status).toBe(422);
  });

  it("shows one job with every attempt: when, which worker, how it ended and why", async () => {
    const job = await submit(await userToken());
    await fail(job.id, { retry: true });
    await fail(job.id);
    const res = await api.call("GET", `/v1/admin/jobs/${job.id}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: job.id, status: "failed", attempts: 2 });
    expect(res.body.history).toEqual([
      expect.objectContaining({
        attempt: 1,
        workerId: "w-1",
        outcome: "retry",
        error: { code: "boom", message: "it broke" },
      }),
      expect.objectContaining({ attempt: 2, workerId: "w-1", outcome: "failed", endedAt: expect.any(String) }),
    ]);
    expect((await api.call("GET", "/v1/admin/jobs/0123456789abcdef01234567", { token: admin })).status).toBe(404);
  });

  it("retries a failed job: queued again with a new seq at the tail of its line, its failure kept, audited", async () => {
    const token = await userToken();
    const first = await submit(token, { group: "retry-line" });
    await fail(first.id);
    await queue().complete("w-1", "x"); // nothing held: a no-op; the dead set is written by workers, so add it here
    await ctx.redisClient.zadd(queue().keys.dead, Date.now(), first.id);
    const later = await submit(token, { group: "retry-line" });
    const res = await api.call("POST", `/v1/admin/jobs/${first.id}/retry`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "queued", attempts: 1, maxAttempts: 4 });
    expect(res.body.seq).toBeGreaterThan(later.seq);
    expect(res.body.history).toEqual([expect.objectContaining({ outcome: "failed" })]);
    expect(res.body).not.toHaveProperty("error");
    const line = await ctx.redisClient.lrange(queue().keys.line(res.body.line), 0, -1);
    expect(line.map((raw) => decodeEnvelope(raw)?.id)[0]).toBe(first.id); // newest at the left: the tail
    expect(await ctx.redisClient.zscore(queue().keys.dead, first.id)).toBeNull();
    const again = await api.call("POST", `/v1/admin/jobs/${first.id}/retry`, { token: admin });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("not_retryable");
    expect(await auditActions()).toContain("job.retry");
  });

  it("redrives every failed job a filter matches, oldest first, and audits how many", async () => {
    const token = await userToken();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(token, { type: "echo", group: "redrive" })).id);
    for (const id of ids) await fail(id);
    const other = await submit(token, { group: "elsewhere" });
    await fail(other.id);
    const res = await api.call("POST", "/v1/admin/jobs/retry", { token: admin, body: { group: "redrive", limit: 10 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ count: 3, ids });
    const seqs = await Promise.all(ids.map(async (id) => (await jobs().findOne({ _id: id }))?.seq as number));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect((await jobs().findOne({ _id: other.id }))?.status).toBe("failed");
    const audit = (await api.call("GET", "/v1/admin/audit", { token: admin })).body.items[0];
    expect(audit).toMatchObject({
      action: "jobs.redrive",
      count: 3,
      actorEmail: ADMIN,
      target: { filter: { group: "redrive" } },
    });
  });

  it("cancels a queued job and one waiting out a retry (its line moves on at once); 409 once it has ended", async () => {
    const token = await userToken();
    const queued = await submit(token);
    expect(await ctx.redisClient.hexists(queue().keys.quick, queued.id)).toBe(0);
    const res = await api.call("POST", `/v1/admin/jobs/${queued.id}/cancel`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("canceled");
    // No take of it may run it without reading its record, which says canceled (run-mode.lua: 100 and up).
    expect(await ctx.redisClient.hget(queue().keys.quick, queued.id)).toBe("100");

    const waiting = await submit(token, { group: "backoff" });
    const Redis = (await import("ioredis")).default;
    const blocking = new Redis(ctx.redisUrl);
    // Its head out in a worker's hands, then parked in the delayed set, as a retry does.
    const taken: string[] = [];
    for (let r = await queue().take(blocking, "w-c", 0.05); r; r = await queue().take(blocking, "w-c", 0.05))
      taken.push(r);
    blocking.disconnect();
    const raw = taken.find((r) => decodeEnvelope(r)?.id === waiting.id) as string;
    for (const other of taken) if (other !== raw) await queue().giveBack("w-c", other);
    await fail(waiting.id, { retry: true });
    await queue().defer("w-c", raw, Date.now() + 60_000);
    const user = await api.call("DELETE", `/v1/jobs/${waiting.id}`, { token });
    expect(user.status).toBe(200); // a job waiting out a retry is queued: its owner may cancel it too
    expect(await ctx.redisClient.zcard(queue().keys.delayed)).toBe(0);
    expect((await ctx.redisClient.lrange(queue().keys.ready, 0, -1)).some((r) => r === raw)).toBe(true);
    const ended = await api.call("POST", `/v1/admin/jobs/${waiting.id}/cancel`, { token: admin });
    expect(ended.status).toBe(409);
    expect(await auditActions()).toContain("job.cancel");
  });
});
