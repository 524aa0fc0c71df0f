// A job's first run without a recorded start (a quick run): one MongoDB write for the whole run when it ends soon, the
// start on record once it runs long, an owner's cancel refused while it runs, and a run cut short by its worker's death
// counted as an attempt, as a recorded start would have been.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { createQueue, RUN_PAYLOAD_LIMIT, runDataOf } from "@lineup/queue";
import { createTestContext, type TestContext } from "@lineup/testkit";
import Redis from "ioredis";
import { MongoClient } from "mongodb";
import { cancelQueued, finished, gate, startWorker, submit, waitFor } from "./support";

let ctx: TestContext;
let watched: MongoClient;
/** The write commands the watched client sent, each as the JSON of the command. */
const writes: string[] = [];
let stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ctx = await createTestContext("quick-run");
  // The worker's own client, whose writes the tests count.
  watched = new MongoClient(ctx.mongoUrl, { monitorCommands: true });
  watched.on("commandStarted", (e) => {
    if (["update", "findAndModify", "insert", "delete"].includes(e.commandName)) writes.push(JSON.stringify(e.command));
  });
  await watched.connect();
});
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});
afterAll(async () => {
  await watched.close();
  await ctx.cleanup();
});

let q = 0;
async function worker(options: Parameters<typeof startWorker>[1] = {}) {
  q += 1;
  const w = await startWorker(ctx, { queueName: `${ctx.queueName}-${q}`, db: watched.db(ctx.dbName), ...options });
  stops.push(w.stop);
  return w;
}
const jobs = () => ctx.db.collection<JobDoc>("jobs");
const writesFor = (id: string) => writes.filter((w) => w.includes(id));

describe("a quick run", () => {
  it("records a job that ends soon with one write, its end, which records its start as well", async () => {
    const w = await worker();
    const job = await submit(ctx, w.queue, { payload: { n: 1 } });
    const done = await finished(ctx, job._id);
    expect(done).toMatchObject({
      status: "succeeded",
      result: { n: 1 },
      attempts: 1,
      seq: job.seq,
      workerId: "w-test",
    });
    expect(done.history).toEqual([
      { workerId: "w-test", startedAt: done.startedAt as Date, endedAt: done.finishedAt as Date, outcome: "succeeded" },
    ]);
    expect(done.firstStartedAt).toEqual(done.startedAt as Date);
    expect((done.startedAt as Date).getTime()).toBeLessThanOrEqual((done.finishedAt as Date).getTime());
    expect(writesFor(job._id)).toHaveLength(1);

    // A job whose envelope does not carry its run (a large payload's, here) starts on record first: two writes.
    const large = await submit(ctx, w.queue, { payload: "x".repeat(RUN_PAYLOAD_LIMIT) });
    expect((await finished(ctx, large._id)).status).toBe("succeeded");
    expect(writesFor(large._id)).toHaveLength(2);
  });

  it("records the start of a run that goes on, so its record shows it running, and ends it the usual way", async () => {
    const { passed, open: release } = gate();
    const w = await worker({ handlers: { echo: async (p) => passed.then(() => p) } });
    const job = await submit(ctx, w.queue, { payload: "long" });
    const running = await waitFor(async () => {
      const doc = await jobs().findOne({ _id: job._id, status: "running" });
      return doc ?? null;
    });
    expect(running).toMatchObject({ attempts: 1, seq: job.seq, workerId: "w-test" });
    release();
    const done = await finished(ctx, job._id);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(done.history).toEqual([expect.objectContaining({ outcome: "succeeded", startedAt: running.startedAt })]);
  });

  it("refuses an owner's cancel while it runs, and the job ends as it would have", async () => {
    const { passed, open: release } = gate();
    const ran: unknown[] = [];
    const w = await worker({
      handlers: {
        echo: async (p) => {
          ran.push(p);
          await passed;
          return p;
        },
      },
    });
    const job = await submit(ctx, w.queue, { payload: "busy" });
    await waitFor(async () => ran.length === 1, 5_000, 2);
    // Its record may still say queued: Redis knows it runs.
    expect(await cancelQueued(ctx, w.queue, job._id)).toBeNull();
    release();
    expect(await finished(ctx, job._id)).toMatchObject({ status: "succeeded", result: "busy", attempts: 1 });
    expect(ran).toEqual(["busy"]);
  });

  it("runs a job enqueued before Redis changed under the worker from its record: one that ended does not run again", async () => {
    const ran: unknown[] = [];
    const w = await worker({ handlers: { echo: async (p) => ran.push(p) && p } });
    const job = await submit(ctx, w.queue, { line: "u:r", payload: "once" });
    await finished(ctx, job._id);
    // Redis restarts and comes back without its last writes: the job's end there, and its take's count, are lost.
    await ctx.redisClient.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    await Bun.sleep(500);
    expect(await ctx.redisClient.llen(w.queue.keys.held("w-test"))).toBe(0);
    const env = { id: job._id, line: "u:r", type: "echo", enqueuedAt: Date.now() - 1_000, seq: job.seq as number };
    await w.queue.restore("u:r", [{ ...env, run: runDataOf({ ...job, status: "queued", attempts: 0 }) }]);
    await waitFor(async () => (await ctx.redisClient.exists(w.queue.keys.line("u:r"))) === 0);
    expect(ran).toEqual(["once"]);
    expect(await finished(ctx, job._id)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("counts a run its worker died in: with one attempt allowed, the job fails without running again", async () => {
    q += 1;
    const ghost = createQueue(ctx.redisClient, `${ctx.queueName}-${q}`);
    const once = await submit(ctx, ghost, { line: "u:a", payload: "once", maxAttempts: 1 });
    const twice = await submit(ctx, ghost, { line: "u:b", payload: "twice", maxAttempts: 2 });
    // A worker took both, began their quick runs (the first take of each), and died: its heartbeat stops.
    await ghost.register("ghost", "g");
    const blocking = new Redis(ctx.redisUrl);
    for (let i = 0; i < 2; i++) {
      const raw = (await ghost.take(blocking, "ghost", 5)) as string;
      expect(await ghost.admit("ghost", raw)).toBe("quick");
    }
    blocking.disconnect();
    const ran: unknown[] = [];
    const w = await startWorker(ctx, {
      queueName: ghost.name,
      workerId: "heir",
      handlers: { echo: async (p) => ran.push(p) && p },
    });
    stops.push(w.stop);
    // Recovered once the ghost's heartbeat is older than the lease (2 s here).
    const failed = await finished(ctx, once._id, 20_000);
    expect(failed).toMatchObject({ status: "failed", attempts: 1, error: { code: "attempts_exhausted" } });
    const retried = await finished(ctx, twice._id, 20_000);
    expect(retried).toMatchObject({ status: "succeeded", attempts: 2, result: "twice" });
    expect(retried.history).toHaveLength(2);
    expect(ran).toEqual(["twice"]);
    expect(await ctx.redisClient.hlen(ghost.keys.quick)).toBe(0);
  });
});
