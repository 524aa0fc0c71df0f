// Fault handling with the real processes: MongoDB down, Redis paused, every Redis connection killed.
// Each case asserts a bounded answer while the fault lasts and that every accepted job completes after it.
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { stopAndScan, waitFor } from "./support";

let ctx: TestContext;
const running: AppProcess[] = [];

beforeEach(async () => {
  // A server of our own that keeps its data across the stop and start below (the shared one is memory only).
  ctx = await createTestContext("faults", { ownMongo: { durable: true } });
});
afterEach(async () => {
  ctx.redis.resume();
  await ctx.mongo.start().catch(() => {});
  // Whatever happened in the test, no log line of the real processes may carry a token, hash or password.
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

async function stack() {
  const env = { ...ctx.env, LOG_LEVEL: "warn", WORKER_ID: "w-faults", RETRY_BACKOFF_MS: "20" };
  const api = await spawnApp("api", env);
  const worker = await spawnApp("worker", env);
  running.push(api, worker);
  const json = { "content-type": "application/json" };
  const creds = JSON.stringify({ email: "faults@example.com", password: "password123" });
  await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers: json, body: creds });
  const { accessToken } = (await (
    await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers: json, body: creds })
  ).json()) as {
    accessToken: string;
  };
  const submit = async (payload: unknown) => {
    const started = performance.now();
    const res = await fetch(`${api.url}/v1/jobs`, {
      method: "POST",
      headers: { ...json, authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ type: "echo", payload }),
    });
    const body = (await res.json()) as { id?: string; error?: { code: string } };
    return { status: res.status, body, ms: performance.now() - started };
  };
  const submitBatch = async () => {
    const started = performance.now();
    const res = await fetch(`${api.url}/v1/jobs/batch`, {
      method: "POST",
      headers: { ...json, authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ jobs: [1, 2, 3].map((i) => ({ type: "echo", payload: i })) }),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  };
  return { api, worker, submit, submitBatch };
}

/** Once the fault is over a new submission is accepted again, and it and the one from before both complete. */
async function recovered(
  submit: (payload: unknown) => Promise<{ status: number; body: { id?: string } }>,
  before: string,
) {
  const after = await waitFor(
    async () => {
      const res = await submit("after");
      return res.status === 202 ? res : null;
    },
    30_000,
    250,
  );
  await succeeded([before, after.body.id as string]);
}

const succeeded = (ids: string[]) =>
  waitFor(
    async () =>
      (await ctx.db.collection<JobDoc>("jobs").countDocuments({ _id: { $in: ids }, status: "succeeded" })) ===
      ids.length,
    60_000,
    200,
  );

describe("faults", () => {
  it("MongoDB down: submissions answer 503 within 7 s; afterwards everything accepted completes", async () => {
    const { submit, submitBatch } = await stack();
    const before = await submit("before");
    expect(before.status).toBe(202);
    await ctx.mongo.stop();
    const during = await submit("during");
    expect(during.status).toBe(503);
    expect(during.body.error?.code).toBe("unavailable");
    expect(during.ms).toBeLessThan(7_000);
    // Several at once (they share one insert) and a batch (one insertMany) meet the same outage the same way.
    const together = await Promise.all([submit("a"), submit("b"), submit("c"), submitBatch()]);
    expect(together.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(together.every((r) => r.ms < 7_000)).toBe(true);
    await ctx.mongo.start();
    await recovered(submit, before.body.id as string);
  }, 90_000);

  it("Redis paused: submissions answer 503 within 4 s; after SIGCONT the queue carries on by itself", async () => {
    const { submit } = await stack();
    const before = await submit("before");
    expect(before.status).toBe(202);
    ctx.redis.pause();
    const during = await submit("during");
    ctx.redis.resume();
    expect(during.status).toBe(503);
    expect(during.ms).toBeLessThan(4_000);
    await recovered(submit, before.body.id as string);
  }, 90_000);

  it("every Redis connection killed mid-run (CLIENT KILL): nothing accepted is lost", async () => {
    const { submit } = await stack();
    const accepted: string[] = [];
    const statuses = new Set<number>();
    for (let round = 0; round < 3; round++) {
      // Right after the kill the api answers 503 until it has reconnected; a client retries.
      while (accepted.length < (round + 1) * 10) {
        const res = await submit(`${round}-${accepted.length}`);
        statuses.add(res.status);
        if (res.status === 202) accepted.push(res.body.id as string);
        else await Bun.sleep(50);
      }
      await ctx.redisClient.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    }
    expect([...statuses].every((s) => s === 202 || s === 503)).toBe(true);
    await succeeded(accepted);
  }, 90_000);
});
