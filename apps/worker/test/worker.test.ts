import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { JobError } from "../src/handlers/types";
import { cancelQueued, finished, gate, startWorker, submit, waitFor } from "./support";

let ctx: TestContext;
let stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  ctx = await createTestContext("worker");
});
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});
afterAll(() => ctx.cleanup());

let q = 0;
async function worker(options: Parameters<typeof startWorker>[1] = {}) {
  q += 1;
  const w = await startWorker(ctx, { queueName: `${ctx.queueName}-${q}`, ...options });
  stops.push(w.stop);
  return w;
}
const jobs = () => ctx.db.collection<JobDoc>("jobs");

describe("running jobs", () => {
  it("runs echo jobs in seq order, one at a time, and records results", async () => {
    const w = await worker();
    const submitted = [];
    for (let i = 0; i < 20; i++) submitted.push(await submit(ctx, w.queue, { payload: { i } }));
    const done = [];
    for (const job of submitted) done.push(await finished(ctx, job._id));
    expect(done.map((d) => d.status)).toEqual(Array(20).fill("succeeded"));
    expect(done.map((d) => d.result)).toEqual(submitted.map((s) => s.payload));
    for (let i = 1; i < done.length; i++) {
      const [prev, cur] = [done[i - 1] as JobDoc, done[i] as JobDoc];
      expect((cur.startedAt as Date).getTime()).toBeGreaterThanOrEqual((prev.finishedAt as Date).getTime());
    }
    expect(await ctx.redisClient.llen(w.queue.keys.held("w-test"))).toBe(0);
  });

  it("retries a failing job in place up to maxAttempts, holding later jobs back, then fails it to the dead list", async () => {
    const calls: string[] = [];
    const w = await worker({
      handlers: {
        echo: async (payload, c) => {
          calls.push(`${(payload as { name: string }).name}#${c.attempt}`);
          if ((payload as { name: string }).name === "bad")
            throw new JobError("boom", "always fails", { retryable: true });
          return payload;
        },
      },
    });
    const bad = await submit(ctx, w.queue, { payload: { name: "bad" }, maxAttempts: 3 });
    const good = await submit(ctx, w.queue, { payload: { name: "good" } });
    const badDone = await finished(ctx, bad._id);
    await finished(ctx, good._id);
    expect(badDone).toMatchObject({ status: "failed", attempts: 3, error: { code: "boom" } });
    expect(calls).toEqual(["bad#1", "bad#2", "bad#3", "good#1"]);
    expect((await w.queue.deadEntries()).map((e) => e.id)).toEqual([bad._id]);
  });

  it("succeeds on a later attempt and clears the earlier error", async () => {
    let n = 0;
    const w = await worker({
      handlers: {
        echo: async (p) => {
          n += 1;
          if (n < 3) throw new JobError("flaky", "not yet", { retryable: true });
          return p;
        },
      },
    });
    const job = await submit(ctx, w.queue, { payload: "x", maxAttempts: 5 });
    const done = await finished(ctx, job._id);
    expect(done).toMatchObject({ status: "succeeded", attempts: 3, result: "x" });
    expect(done.error).toBeUndefined();
  });

  it("fails a non-retryable error at once", async () => {
    const w = await worker({
      handlers: {
        echo: async () => Promise.reject(new JobError("http_4xx", "target answered 404", { retryable: false })),
      },
    });
    const job = await submit(ctx, w.queue, { payload: 1, maxAttempts: 5 });
    expect(await finished(ctx, job._id)).toMatchObject({ status: "failed", attempts: 1, error: { code: "http_4xx" } });
  });

  it("fails a payload that breaks its type's schema at once, without running the handler", async () => {
    const w = await worker();
    const job = await submit(ctx, w.queue, { type: "http", payload: { url: "not a url" }, maxAttempts: 5 });
    expect(await finished(ctx, job._id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "invalid_payload" },
    });
  });

  it("dead-letters a malformed envelope at once and carries on", async () => {
    const w = await worker();
    await ctx.redisClient.lpush(w.queue.keys.ready, "{not json");
    const job = await submit(ctx, w.queue, { payload: "after" });
    expect((await finished(ctx, job._id)).status).toBe("succeeded");
    expect((await w.queue.deadEntries()).map((e) => e.id)).toEqual(["{not json"]);
  });

  it("times out a handler that never answers and retries it", async () => {
    const w = await worker({ handlers: { echo: () => new Promise(() => {}) } });
    const job = await submit(ctx, w.queue, { payload: 1, maxAttempts: 2 });
    expect(await finished(ctx, job._id, 10_000)).toMatchObject({
      status: "failed",
      attempts: 2,
      error: { code: "timeout" },
    });
  });

  it("skips a job canceled while it waited", async () => {
    const { passed, open: release } = gate();
    const ran: unknown[] = [];
    const w = await worker({
      handlers: {
        echo: async (p) => {
          ran.push(p);
          if (p === "first") await passed;
          return p;
        },
      },
    });
    const first = await submit(ctx, w.queue, { payload: "first" });
    const second = await submit(ctx, w.queue, { payload: "second" });
    const third = await submit(ctx, w.queue, { payload: "third" });
    await waitFor(async () => ran.length === 1);
    expect(await cancelQueued(ctx, w.queue, second._id)).toMatchObject({ status: "canceled" });
    release();
    await finished(ctx, third._id);
    expect(ran).toEqual(["first", "third"]);
    expect((await jobs().findOne({ _id: second._id }))?.startedAt).toBeUndefined();
    expect((await jobs().findOne({ _id: first._id }))?.status).toBe("succeeded");
  });
});

describe("logs", () => {
  it("carries the submitting request's id on every line about the job", async () => {
    const lines: string[] = [];
    const w = await worker({ lines });
    const job = await submit(ctx, w.queue, { payload: "traced", requestId: "req-trace-42" });
    await finished(ctx, job._id);
    await waitFor(async () => lines.some((l) => l.includes('"msg":"job succeeded"')));
    const about = lines.map((l) => JSON.parse(l)).filter((r) => r.jobId === job._id);
    expect(about.length).toBeGreaterThan(0);
    expect(about.every((r) => r.requestId === "req-trace-42")).toBe(true);
  });
});

describe("fencing", () => {
  it("ignores a stale attempt's late completion", async () => {
    const { finishJob, nextAttempt, startJob } = await import("@lineup/db");
    const { createQueue } = await import("@lineup/queue");
    const job = await submit(ctx, createQueue(ctx.redisClient, `${ctx.queueName}-fencing`), { payload: 1 });
    await startJob(ctx.db, { id: job._id, seq: job.seq as number, workerId: "old", now: new Date() });
    await nextAttempt(ctx.db, { id: job._id, attempts: 1, workerId: "new", now: new Date() });
    const late = await finishJob(ctx.db, {
      id: job._id,
      attempts: 1,
      now: new Date(),
      expireAt: new Date(),
      status: "succeeded",
      result: "stale",
    });
    expect(late).toBe(false);
    expect(await jobs().findOne({ _id: job._id })).toMatchObject({ status: "running", attempts: 2, workerId: "new" });
    expect(
      await finishJob(ctx.db, {
        id: job._id,
        attempts: 2,
        now: new Date(),
        expireAt: new Date(),
        status: "succeeded",
        result: "fresh",
      }),
    ).toBe(true);
    expect(await jobs().findOne({ _id: job._id })).toMatchObject({
      status: "succeeded",
      resultJson: JSON.stringify("fresh"),
    });
  });
});

describe("shutdown", () => {
  it("gives a job that outlives the grace period back to the head, queued", async () => {
    const w = await worker({ shutdownGraceMs: 200, handlers: { echo: () => new Promise(() => {}) } });
    const job = await submit(ctx, w.queue, { payload: 1 });
    const later = await submit(ctx, w.queue, { payload: 2 });
    await waitFor(async () => (await jobs().findOne({ _id: job._id }))?.status === "running");
    await w.stop();
    stops = [];
    expect(await jobs().findOne({ _id: job._id })).toMatchObject({ status: "queued", attempts: 1 });
    const line = await ctx.redisClient.lrange(w.queue.keys.line("q"), 0, -1);
    expect(line.map((raw) => JSON.parse(raw).id)).toEqual([later._id, job._id]); // the head is the right end
    const ready = await ctx.redisClient.lrange(w.queue.keys.ready, 0, -1);
    expect(ready.map((raw) => JSON.parse(raw).id)).toEqual([job._id]);
    expect(await ctx.redisClient.llen(w.queue.keys.held("w-test"))).toBe(0);
  });

  it("lets the job in hand finish within the grace period", async () => {
    const w = await worker({ shutdownGraceMs: 2_000, handlers: { echo: async (p) => Bun.sleep(300).then(() => p) } });
    const job = await submit(ctx, w.queue, { payload: "done" });
    await waitFor(async () => (await jobs().findOne({ _id: job._id }))?.status === "running");
    await w.stop();
    stops = [];
    expect(await jobs().findOne({ _id: job._id })).toMatchObject({
      status: "succeeded",
      resultJson: JSON.stringify("done"),
    });
  });
});

describe("groups", () => {
  /** A handler that records when each job of each line ran, and takes `ms`. */
  function timed(ms: number) {
    const runs: { line: string; n: number; start: number; end: number }[] = [];
    const echo = async (p: unknown) => {
      const { line, n } = p as { line: string; n: number };
      const start = performance.now();
      await Bun.sleep(ms);
      runs.push({ line, n, start, end: performance.now() });
      return p;
    };
    return { runs, echo };
  }

  it("runs different lines at once across slots, each line one job at a time in seq order", async () => {
    const { runs, echo } = timed(40);
    const w = await worker({ concurrency: 4, handlers: { echo } });
    const submitted = [];
    for (let n = 0; n < 6; n++) {
      for (const line of ["u:a", "u:b", "u:c", "u:d"])
        submitted.push(await submit(ctx, w.queue, { line, payload: { line, n } }));
    }
    const started = performance.now();
    for (const job of submitted) expect((await finished(ctx, job._id)).status).toBe("succeeded");
    // 24 jobs of 40 ms on 4 slots: about 6 rounds, far from the 24 a single line would take.
    expect(performance.now() - started).toBeLessThan(24 * 40);
    for (const line of ["u:a", "u:b", "u:c", "u:d"]) {
      const mine = runs.filter((r) => r.line === line).sort((a, b) => a.start - b.start);
      expect(mine.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5]);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]?.start as number).toBeGreaterThanOrEqual(mine[i - 1]?.end as number);
      }
    }
  });

  it("keeps the queue's line strict with many slots", async () => {
    const { runs, echo } = timed(5);
    const w = await worker({ concurrency: 4, handlers: { echo } });
    const submitted = [];
    for (let n = 0; n < 12; n++) submitted.push(await submit(ctx, w.queue, { payload: { line: "q", n } }));
    for (const job of submitted) await finished(ctx, job._id);
    const byStart = [...runs].sort((a, b) => a.start - b.start);
    expect(byStart.map((r) => r.n)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("lets other lines run while one line's job waits out its retry backoff", async () => {
    const order: string[] = [];
    const w = await worker({
      retryBackoffMs: 600,
      handlers: {
        echo: async (p, c) => {
          order.push(`${p}#${c.attempt}`);
          if (p === "a1" && c.attempt === 1) throw new JobError("flaky", "once", { retryable: true });
          return p;
        },
      },
    });
    const a1 = await submit(ctx, w.queue, { line: "u:a", payload: "a1" });
    const a2 = await submit(ctx, w.queue, { line: "u:a", payload: "a2" });
    const b1 = await submit(ctx, w.queue, { line: "u:b", payload: "b1" });
    await finished(ctx, b1._id, 500);
    const waiting = await jobs().findOne({ _id: a1._id });
    expect(waiting).toMatchObject({ status: "queued", attempts: 1, error: { code: "flaky" } });
    expect(waiting?.retryAt?.getTime()).toBeGreaterThan(Date.now());
    await finished(ctx, a2._id);
    expect(order).toEqual(["a1#1", "b1#1", "a1#2", "a2#1"]);
  });

  it.each([1, 4])(
    "with %i slot(s), starts a new group's job within slots + 1 completions of a group with 2,000 queued",
    async (slots) => {
      const log: string[] = [];
      const w = await worker({
        concurrency: slots,
        handlers: {
          echo: async (p) => {
            log.push(`start ${p}`);
            await Bun.sleep(2);
            log.push(`end ${p}`);
            return p;
          },
        },
      });
      // 2,000 jobs of one group, queued before the worker sees them (straight into the line, as the api does).
      const { ObjectId } = await import("mongodb");
      const docs: JobDoc[] = Array.from({ length: 2_000 }, (_, i) => ({
        _id: new ObjectId().toHexString(),
        queue: w.queue.name,
        ownerId: "owner-1",
        line: "u:big",
        type: "echo",
        payloadJson: JSON.stringify(`big-${i}`),
        status: "queued",
        attempts: 0,
        maxAttempts: 3,
        createdAt: new Date(),
      }));
      await jobs().insertMany(docs);
      for (const d of docs) await w.queue.enqueue({ id: d._id, line: "u:big", type: "echo", enqueuedAt: Date.now() });
      await waitFor(async () => log.filter((l) => l.startsWith("end")).length >= 20);
      const arrival = log.length;
      const small = await submit(ctx, w.queue, { line: "u:small", payload: "small" });
      await finished(ctx, small._id);
      const before = log.slice(arrival, log.indexOf("start small"));
      expect(before.filter((l) => l.startsWith("end")).length).toBeLessThanOrEqual(slots + 1);
    },
    60_000,
  );

  it("puts a dead worker's jobs back at the head of their lines, and another worker runs them", async () => {
    q += 1;
    const { createQueue } = await import("@lineup/queue");
    const ghost = createQueue(ctx.redisClient, `${ctx.queueName}-${q}`);
    // A worker that took two heads and then died: its heartbeat stops, its held list stays.
    const first = await submit(ctx, ghost, { line: "u:a", payload: "a1" });
    const second = await submit(ctx, ghost, { line: "u:a", payload: "a2" });
    const other = await submit(ctx, ghost, { line: "u:b", payload: "b1" });
    await ghost.register("ghost", "g");
    const Redis = (await import("ioredis")).default;
    const blocking = new Redis(ctx.redisUrl);
    await ghost.take(blocking, "ghost", 1);
    await ghost.take(blocking, "ghost", 1);
    blocking.disconnect();
    const startedAt = Date.now();
    const w2 = await startWorker(ctx, { queueName: ghost.name, workerId: "heir" });
    stops.push(w2.stop);
    for (const job of [first, second, other]) expect((await finished(ctx, job._id)).status).toBe("succeeded");
    const [a1, a2] = [await finished(ctx, first._id), await finished(ctx, second._id)];
    expect((a2.startedAt as Date).getTime()).toBeGreaterThanOrEqual((a1.finishedAt as Date).getTime());
    // Recovered once the ghost's heartbeat was older than the lease (2 s here).
    expect(Date.now() - startedAt).toBeGreaterThan(1_000);
    expect(await ctx.redisClient.llen(ghost.keys.held("ghost"))).toBe(0);
  });
});

describe("operations", () => {
  it("stops a running job's handler once it is canceled on record, and its line moves on", async () => {
    let stopped = false;
    const w = await worker({
      handlers: {
        echo: async (p, c) => {
          if (p === "forever") {
            await new Promise<void>((resolve) => c.signal.addEventListener("abort", () => resolve()));
            stopped = true;
          }
          return p;
        },
      },
    });
    const long = await submit(ctx, w.queue, { payload: "forever" });
    const next = await submit(ctx, w.queue, { payload: "next" });
    await waitFor(async () => (await jobs().findOne({ _id: long._id }))?.status === "running");
    const { cancelJob } = await import("@lineup/db");
    await cancelJob(ctx.db, { id: long._id, now: new Date(), expireAt: new Date(Date.now() + 60_000), running: true });
    expect((await finished(ctx, next._id, 5_000)).status).toBe("succeeded");
    expect(stopped).toBe(true);
    expect(await jobs().findOne({ _id: long._id })).toMatchObject({
      status: "canceled",
      history: [expect.objectContaining({ outcome: "canceled" })],
    });
  });

  it("takes nothing while the queue is paused, finishes what it holds, and carries on when resumed", async () => {
    const { passed, open: release } = gate();
    const ran: unknown[] = [];
    const w = await worker({
      concurrency: 2,
      handlers: {
        echo: async (p) => {
          ran.push(p);
          if (p === "held") await passed;
          return p;
        },
      },
    });
    const held = await submit(ctx, w.queue, { line: "u:a", payload: "held" });
    await waitFor(async () => ran.length === 1);
    await w.queue.setPaused(true);
    const later = await submit(ctx, w.queue, { line: "u:b", payload: "later" });
    release();
    expect((await finished(ctx, held._id)).status).toBe("succeeded");
    await Bun.sleep(1_500); // a few heartbeats and takes: nothing new may start
    expect(ran).toEqual(["held"]);
    expect((await jobs().findOne({ _id: later._id }))?.status).toBe("queued");
    await w.queue.setPaused(false);
    expect((await finished(ctx, later._id)).status).toBe("succeeded");
  });

  it("removes finished jobs and their dead entries after JOB_RETENTION, never queued or running ones", async () => {
    const { passed, open: release } = gate();
    const w = await worker({
      concurrency: 2,
      // Long enough that a loaded machine still sees both jobs finished before they are removed.
      retentionMs: 3_000,
      // The slow job stays running (its attempt must not time out) until the end.
      jobTimeoutMs: 60_000,
      handlers: {
        echo: async (p) => {
          if (p === "bad") throw new JobError("bad", "never", { retryable: false });
          if (p === "slow") await passed;
          return p;
        },
      },
    });
    const done = await submit(ctx, w.queue, { line: "u:a", payload: "ok" });
    const bad = await submit(ctx, w.queue, { line: "u:b", payload: "bad" });
    const running = await submit(ctx, w.queue, { line: "u:c", payload: "slow" });
    const queued = await submit(ctx, w.queue, { line: "u:c", payload: "behind" });
    await Promise.all([finished(ctx, done._id), finished(ctx, bad._id)]);
    expect((await w.queue.deadEntries()).map((e) => e.id)).toEqual([bad._id]);
    // MongoDB's TTL index (the stand-in checks every second) and the worker's dead-set trim.
    await waitFor(async () => (await jobs().countDocuments({ _id: { $in: [done._id, bad._id] } })) === 0, 10_000, 200);
    await waitFor(async () => (await w.queue.deadEntries()).length === 0, 10_000, 200);
    expect((await jobs().findOne({ _id: running._id }))?.status).toBe("running");
    expect((await jobs().findOne({ _id: queued._id }))?.status).toBe("queued");
    release();
    await finished(ctx, queued._id);
  });
});

describe("reconciler", () => {
  it("re-enqueues a queued job Redis lost, in seq order", async () => {
    const ran: unknown[] = [];
    const { passed, open: release } = gate();
    const w = await worker({
      handlers: {
        echo: async (p) => {
          ran.push(p);
          if (p === 0) await passed;
          return p;
        },
      },
    });
    const blocker = await submit(ctx, w.queue, { payload: 0 });
    await waitFor(async () => ran.length === 1);
    const lostA = await submit(ctx, w.queue, { payload: 1 });
    const kept = await submit(ctx, w.queue, { payload: 2 });
    const lostB = await submit(ctx, w.queue, { payload: 3 });
    for (const lost of [lostA, lostB]) {
      const raws = await ctx.redisClient.lrange(w.queue.keys.line("q"), 0, -1);
      const raw = raws.find((r) => JSON.parse(r).id === lost._id) as string;
      await ctx.redisClient.lrem(w.queue.keys.line("q"), 1, raw);
    }
    // Simulate the restart that follows data loss: the worker reconciles fully.
    await ctx.redisClient.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    release();
    for (const job of [lostA, kept, lostB]) expect((await finished(ctx, job._id)).status).toBe("succeeded");
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(blocker).toBeDefined();
  });

  it("queues a job the api recorded but never queued, once it is older than the grace", async () => {
    const w = await worker();
    const { insertJob } = await import("@lineup/db");
    const id = "aaaaaaaaaaaaaaaaaaaaaaaa";
    await insertJob(ctx.db, {
      _id: id,
      queue: w.queue.name,
      ownerId: "o",
      type: "echo",
      payloadJson: JSON.stringify("orphan"),
      status: "queued",
      attempts: 0,
      maxAttempts: 3,
      createdAt: new Date(Date.now() - 5_000),
    });
    expect(await finished(ctx, id)).toMatchObject({ status: "succeeded", result: "orphan", seq: expect.any(Number) });
  });
});

describe("metrics", () => {
  const total = async (registry: Awaited<ReturnType<typeof worker>>["registry"], name: string) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((v) => !("metricName" in v) || v.metricName === `${name}_count` || v.metricName === undefined)
      .reduce((sum, v) => sum + v.value, 0);

  it("counts every finished job once by outcome, retries and dead letters, and no order violation", async () => {
    const w = await worker({
      handlers: {
        echo: async (p, c) => {
          if (p === "flaky" && c.attempt === 1) throw new JobError("flaky", "once", { retryable: true });
          if (p === "bad") throw new JobError("bad", "never", { retryable: false });
          return p;
        },
      },
    });
    const payloads = ["a", "flaky", "b", "bad", "c", "d", "e", "f"];
    const submitted = [];
    for (const p of payloads) submitted.push(await submit(ctx, w.queue, { payload: p }));
    for (const job of submitted) await finished(ctx, job._id);
    // The counter moves just after the record is written and the envelope acked.
    await waitFor(async () => (await total(w.registry, "lineup_jobs_finished_total")) === payloads.length);

    const finishedValues = (await w.registry.getSingleMetric("lineup_jobs_finished_total")?.get())?.values ?? [];
    const byOutcome = Object.fromEntries(finishedValues.map((v) => [v.labels.outcome, v.value]));
    expect(byOutcome).toEqual({ succeeded: 7, failed: 1 });
    expect(await total(w.registry, "lineup_jobs_finished_total")).toBe(payloads.length);
    expect(await total(w.registry, "lineup_jobs_out_of_order_total")).toBe(0);
    expect(await total(w.registry, "lineup_job_retries_total")).toBe(1);
    expect(await total(w.registry, "lineup_jobs_dead_lettered_total")).toBe(1);
    expect(await total(w.registry, "lineup_jobs_started_total")).toBe(payloads.length + 1);
    const text = await w.registry.metrics();
    expect(text).toMatch(new RegExp(`lineup_job_wait_seconds_count\\{[^}]*type="echo"[^}]*\\} ${payloads.length}\\n`));
    expect(text).toMatch(/lineup_worker_slots_total\{[^}]*queue="[^"]+"[^}]*\} 1\n/);
    // The slot is free again once its last job is settled in Redis, just after the record.
    await waitFor(async () => /lineup_worker_slots_busy\{[^}]*\} 0\n/.test(await w.registry.metrics()));
    for (const job of submitted) expect(text).not.toContain(job._id);
  });
});
