// Stores that hang rather than die, under load, with the real api and worker processes: Redis or MongoDB stopped with
// SIGSTOP for 10 s (connections stay open, nothing answers), and Redis full at maxmemory with noeviction. Submissions
// answer within a bound (503 while a store does not answer), /readyz names the store, and once it answers again every
// job that got a 202 runs, once.
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { type JobDoc, QUEUE_LINE } from "@lineup/jobs";
import { createQueue } from "@lineup/queue";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { apiUser, stopAndScan, waitFor } from "./support";

// The bounds docs/operations.md documents for a submission while a store hangs: a Redis command times out in 2 s, and
// a submission makes at most two Redis round trips that can wait that long (its rate limit, then its enqueue); a
// MongoDB try gives up after 3 s, and a write is tried twice; a second for the rest of the request.
const REDIS_BOUND_MS = 5_000;
const MONGO_BOUND_MS = 7_000;

let ctx: TestContext;
let api: AppProcess;
const running: AppProcess[] = [];

beforeEach(async () => {
  ctx = await createTestContext("hung", { ownRedis: true, ownMongo: {} });
  const env = { ...ctx.env, LOG_LEVEL: "warn", WORKER_ID: "w-hung", WORKER_CONCURRENCY: "4" };
  api = await spawnApp("api", env);
  running.push(api, await spawnApp("worker", env));
});
afterEach(async () => {
  ctx.redis.resume();
  ctx.mongo.resume();
  await ctx.redisClient.config("SET", "maxmemory", "0").catch(() => {});
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

type Answer = { status: number; ms: number; id?: string };

/** Four clients submitting echo jobs until stopped; every answer with how long it took. */
function load(token: string) {
  const answers: Answer[] = [];
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const started = performance.now();
      const res = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ type: "echo", payload: answers.length }),
      }).catch(() => null);
      const body = res ? ((await res.json().catch(() => ({}))) as { id?: string }) : {};
      answers.push({ status: res?.status ?? 0, ms: performance.now() - started, id: body.id });
      if (res?.status !== 202) await Bun.sleep(100);
    }
  };
  const clients = Array.from({ length: 4 }, client);
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

const readyz = async () => {
  const started = performance.now();
  const res = await fetch(`${api.url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { error?: { message: string } },
    ms: performance.now() - started,
  };
};

/** Every job that got a 202 succeeds, each after exactly one run. */
async function everyAcceptedRanOnce(answers: Answer[]): Promise<void> {
  const ids = answers.filter((a) => a.status === 202).map((a) => a.id as string);
  const docs = await waitFor(
    async () => {
      const found = await ctx.db
        .collection<JobDoc>("jobs")
        .find({ _id: { $in: ids } })
        .toArray();
      return found.length === ids.length && found.every((d) => d.status === "succeeded") ? found : null;
    },
    30_000,
    200,
  );
  expect(docs.filter((d) => d.attempts !== 1 || d.history?.length !== 1)).toEqual([]);
}

describe("a store that hangs", () => {
  it("Redis stopped 10 s under load: submissions answer within 5 s, /readyz names redis, then all of it runs", async () => {
    const user = await apiUser(api);
    const traffic = load(user.token);
    await Bun.sleep(1_000);
    ctx.redis.pause();
    const during = performance.now();
    await Bun.sleep(2_500);
    const ready = await readyz();
    await Bun.sleep(7_500 - (performance.now() - during - 2_500));
    ctx.redis.resume();
    const resumedAt = performance.now();
    await Bun.sleep(2_000);
    await traffic.stop();
    expect(ready.status).toBe(503);
    expect(ready.body.error?.message).toContain("redis");
    expect(ready.ms).toBeLessThan(REDIS_BOUND_MS);
    const slow = traffic.answers.filter((a) => a.ms > REDIS_BOUND_MS);
    expect(slow).toEqual([]);
    expect(traffic.answers.some((a) => a.status === 503)).toBe(true);
    expect(new Set(traffic.answers.map((a) => a.status))).toEqual(new Set([202, 503]));
    await everyAcceptedRanOnce(traffic.answers);
    expect(performance.now() - resumedAt).toBeLessThan(30_000);
  }, 60_000);

  it("MongoDB stopped 10 s under load: submissions answer within 7 s, /readyz names mongo, then all of it runs", async () => {
    const user = await apiUser(api);
    const traffic = load(user.token);
    await Bun.sleep(1_000);
    ctx.mongo.pause();
    await Bun.sleep(2_500);
    const ready = await readyz();
    await Bun.sleep(7_500);
    ctx.mongo.resume();
    await Bun.sleep(2_000);
    await traffic.stop();
    expect(ready.status).toBe(503);
    expect(ready.body.error?.message).toContain("mongo");
    expect(traffic.answers.filter((a) => a.ms > MONGO_BOUND_MS)).toEqual([]);
    expect(traffic.answers.some((a) => a.status === 503)).toBe(true);
    expect(new Set(traffic.answers.map((a) => a.status))).toEqual(new Set([202, 503]));
    await everyAcceptedRanOnce(traffic.answers);
  }, 60_000);

  it("Redis full (maxmemory, noeviction): 503 with nothing half-recorded, and it takes jobs again once memory frees", async () => {
    const user = await apiUser(api);
    const before = await user.call("POST", "/v1/jobs", { type: "echo", payload: "before" });
    expect(before.status).toBe(202);
    // Its run over and its line gone from Redis first: a worker ending it while memory is capped would free room.
    await everyAcceptedRanOnce([{ status: 202, ms: 0, id: before.body.id }]);
    const line = createQueue(ctx.redisClient, ctx.queueName).keys.line(QUEUE_LINE);
    await waitFor(async () => (await ctx.redisClient.exists(line)) === 0, 10_000, 50);
    const used = Number(/used_memory:(\d+)/.exec(await ctx.redisClient.info("memory"))?.[1]);
    // Redis refuses a write only while used memory is past the cap when the write starts, and a reply's buffer freed
    // meanwhile can take it back under a cap set at what it uses: so the cap goes a little above, and one short
    // command that still fits (SETRANGE: a 64 kB value from a few bytes sent) takes Redis well past it.
    await ctx.redisClient.config("SET", "maxmemory", String(used + 32 * 1024));
    await ctx.redisClient.setrange(`${ctx.queueName}:filler`, 64 * 1024 - 1, "x");
    const refused: Answer[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await user.call("POST", "/v1/jobs", { type: "echo", payload: { big: "x".repeat(4_000), i } });
      refused.push({ status: res.status, ms: 0, id: res.body?.id });
    }
    expect(refused.map((a) => a.status)).toEqual(Array(10).fill(503));
    // Nothing of them is on record: a 503 means nothing was recorded.
    expect(await ctx.db.collection<JobDoc>("jobs").countDocuments({ payloadJson: { $regex: "xxxx" } })).toBe(0);
    await ctx.redisClient.config("SET", "maxmemory", "0");
    await ctx.redisClient.del(`${ctx.queueName}:filler`);
    const after = await user.call("POST", "/v1/jobs", { type: "echo", payload: "after" });
    expect(after.status).toBe(202);
    await everyAcceptedRanOnce([
      { status: 202, ms: 0, id: before.body.id },
      { status: 202, ms: 0, id: after.body.id },
    ]);
  }, 60_000);
});
