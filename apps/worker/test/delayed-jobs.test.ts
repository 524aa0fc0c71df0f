// Jobs submitted to run later (runAt, delayMs), through the real api and worker processes: scheduled until due, then
// the tail of their line with their seq taken then, started within a second of their time; canceled, listed, and kept
// through restarts of every process and through a Redis that comes back empty.
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { apiUser, stopAndScan, waitFor } from "./support";

let ctx: TestContext;
let env: Record<string, string>;
const running: AppProcess[] = [];

beforeEach(async () => {
  ctx = await createTestContext("delayed", { ownRedis: true });
  env = { ...ctx.env, LOG_LEVEL: "warn", WORKER_ID: "w-delayed", RECONCILE_GRACE_MS: "1000" };
});
afterEach(async () => {
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

async function start(app: "api" | "worker", extra: Record<string, string> = {}): Promise<AppProcess> {
  const p = await spawnApp(app, { ...env, ...extra });
  running.push(p);
  return p;
}

const jobs = () => ctx.db.collection<JobDoc>("jobs");
const record = (id: string) => jobs().findOne({ _id: id }) as Promise<JobDoc>;

describe("delayed jobs", () => {
  it("answers 202 scheduled with runAt, then joins the tail of its line with a seq taken when due, within 1 s", async () => {
    const api = await start("api");
    await start("worker");
    const user = await apiUser(api);
    const runAt = new Date(Date.now() + 1_500);
    const later = await user.call("POST", "/v1/jobs", {
      type: "echo",
      payload: "later",
      group: "g",
      runAt: runAt.toISOString(),
    });
    expect(later.status).toBe(202);
    expect(later.body).toMatchObject({ status: "scheduled", runAt: runAt.toISOString(), seq: null });
    expect(later.body.position).toBeUndefined();
    // Read back while it waits: scheduled, no position, no eta; listed under status=scheduled.
    const waiting = await user.call("GET", `/v1/jobs/${later.body.id}`);
    expect(waiting.body).toMatchObject({ status: "scheduled", seq: null });
    expect(waiting.body.position).toBeUndefined();
    expect(waiting.body.etaSeconds).toBeUndefined();
    const listed = await user.call("GET", "/v1/jobs?status=scheduled");
    expect(listed.body.items.map((j: { id: string }) => j.id)).toEqual([later.body.id]);
    // A job submitted after it runs first: the delayed one holds nothing up.
    const now = await user.call("POST", "/v1/jobs", { type: "echo", payload: "now", group: "g" });
    const done = await waitFor(
      async () => {
        const doc = await record(later.body.id);
        return doc.status === "succeeded" ? doc : null;
      },
      10_000,
      20,
    );
    expect((done.startedAt as Date).getTime() - runAt.getTime()).toBeLessThan(1_000);
    expect((done.startedAt as Date).getTime()).toBeGreaterThanOrEqual(runAt.getTime());
    expect(done.seq as number).toBeGreaterThan((await record(now.body.id)).seq as number);
    expect((await user.call("GET", `/v1/jobs/${later.body.id}`)).body).toMatchObject({
      status: "succeeded",
      result: "later",
      runAt: runAt.toISOString(),
    });
  }, 30_000);

  it("releases a line's delayed jobs in runAt order however late, an overdue runAt included", async () => {
    const api = await start("api");
    const user = await apiUser(api);
    // No worker yet: the first falls due and waits, as through an outage; the second arrives overdue.
    const first = new Date(Date.now() + 200);
    const a = await user.call("POST", "/v1/jobs", {
      type: "echo",
      payload: "a",
      group: "g",
      runAt: first.toISOString(),
    });
    await Bun.sleep(400);
    const overdue = new Date(first.getTime() + 5).toISOString();
    const b = await user.call("POST", "/v1/jobs", { type: "echo", payload: "b", group: "g", runAt: overdue });
    expect(b.status).toBe(202);
    expect(b.body).toMatchObject({ status: "scheduled", runAt: overdue, seq: null });
    await start("worker");
    const [doneA, doneB] = await waitFor(
      async () => {
        const docs = await Promise.all([record(a.body.id), record(b.body.id)]);
        return docs.every((d) => d.status === "succeeded") ? docs : null;
      },
      10_000,
      20,
    );
    expect((doneB as JobDoc).seq as number).toBeGreaterThan((doneA as JobDoc).seq as number);
    expect(((doneB as JobDoc).startedAt as Date).getTime()).toBeGreaterThanOrEqual(
      ((doneA as JobDoc).finishedAt as Date).getTime(),
    );
  }, 30_000);

  it("takes delayMs, refuses runAt with delayMs (naming both), a runAt without an offset and a delay past 31 days", async () => {
    const api = await start("api");
    const user = await apiUser(api);
    const both = await user.call("POST", "/v1/jobs", {
      type: "echo",
      payload: 1,
      runAt: new Date(Date.now() + 60_000).toISOString(),
      delayMs: 1000,
    });
    expect(both.status).toBe(422);
    expect(both.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["delayMs", "runAt"]);
    const noOffset = await user.call("POST", "/v1/jobs", { type: "echo", payload: 1, runAt: "2030-01-01T10:00:00" });
    expect(noOffset.status).toBe(422);
    expect(noOffset.body.error.details[0].path).toBe("runAt");
    const tooFar = await user.call("POST", "/v1/jobs", { type: "echo", payload: 1, delayMs: 32 * 24 * 3600_000 });
    expect(tooFar.status).toBe(422);
    const farRunAt = new Date(Date.now() + 40 * 24 * 3600_000).toISOString();
    const tooFarAt = await user.call("POST", "/v1/jobs", { type: "echo", payload: 1, runAt: farRunAt });
    expect(tooFarAt.status).toBe(422);
    expect(tooFarAt.body.error.details[0].path).toBe("runAt");
    const delayed = await user.call("POST", "/v1/jobs", { type: "echo", payload: 1, delayMs: 60_000 });
    expect(delayed.status).toBe(202);
    expect(delayed.body.status).toBe("scheduled");
    expect(Date.parse(delayed.body.runAt) - Date.now()).toBeGreaterThan(55_000);
    // In a batch too, item by item, mixed with jobs that run now.
    const batch = await user.call("POST", "/v1/jobs/batch", {
      jobs: [
        { type: "echo", payload: "a" },
        { type: "echo", payload: "b", delayMs: 60_000 },
      ],
    });
    expect(batch.status).toBe(202);
    expect(batch.body.items.map((j: { status: string }) => j.status)).toEqual(["queued", "scheduled"]);
    const badItem = await user.call("POST", "/v1/jobs/batch", {
      jobs: [{ type: "echo", payload: "a", delayMs: 5, runAt: new Date().toISOString() }],
    });
    expect(badItem.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "jobs.0.delayMs",
      "jobs.0.runAt",
    ]);
  }, 30_000);

  it("cancels a scheduled job: it never runs, and leaves Redis's index", async () => {
    const api = await start("api");
    await start("worker");
    const user = await apiUser(api);
    const job = await user.call("POST", "/v1/jobs", { type: "echo", payload: 1, delayMs: 800 });
    const canceled = await user.call("DELETE", `/v1/jobs/${job.body.id}`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");
    expect(await ctx.redisClient.zcard(`lineup:{${ctx.queueName}}:scheduled`)).toBe(0);
    await Bun.sleep(2_000);
    expect((await record(job.body.id)).status).toBe("canceled");
    expect((await record(job.body.id)).startedAt).toBeUndefined();
  }, 30_000);

  it("keeps scheduled jobs through kill -9 of every process and a Redis that comes back empty", async () => {
    let api = await start("api");
    let worker = await start("worker");
    const user = await apiUser(api);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await user.call("POST", "/v1/jobs", {
        type: "echo",
        payload: i,
        group: "g",
        delayMs: 2_500 + i * 50,
      });
      ids.push(res.body.id);
    }
    for (const p of [api, worker]) {
      p.proc.kill("SIGKILL");
      await p.proc.exited;
    }
    // Redis loses everything: its data directory is emptied before it starts again.
    await ctx.redis.stop();
    for (const file of await Array.fromAsync(new Bun.Glob("**/*").scan({ cwd: ctx.redis.dir, absolute: true }))) {
      await Bun.file(file).delete();
    }
    await ctx.redis.restart();
    api = await start("api");
    worker = await start("worker");
    const done = await waitFor(
      async () => {
        const docs = await jobs()
          .find({ _id: { $in: ids } })
          .toArray();
        return docs.every((d) => d.status === "succeeded") ? docs : null;
      },
      20_000,
      100,
    );
    // Once each, in submission order along the line.
    const bySeq = [...done].sort((a, b) => (a.seq as number) - (b.seq as number));
    expect(bySeq.map((d) => d._id)).toEqual(ids);
    expect(done.every((d) => d.attempts === 1)).toBe(true);
  }, 60_000);
});
