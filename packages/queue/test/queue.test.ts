import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import Redis from "ioredis";
import { decodeEnvelope, type Envelope } from "../src/envelope";
import { partitionOf } from "../src/keys";
import { createQueue, type Queue } from "../src/queue";
import { minuteOf, readStats, STATS_TTL_SECONDS } from "../src/stats";

let ctx: TestContext;
let blocking: Redis;
beforeAll(async () => {
  ctx = await createTestContext("queue");
  blocking = new Redis(ctx.redisUrl);
});
afterAll(async () => {
  blocking.disconnect();
  await ctx.cleanup();
});

let n = 0;
function freshQueue(): Queue {
  n += 1;
  return createQueue(ctx.redisClient, `${ctx.queueName}-${n}`);
}
const id = (i: number) => i.toString(16).padStart(24, "0");
const job = (i: number, line = "q") => ({ id: id(i), line, type: "echo", enqueuedAt: Date.now() });
const seqOf = (raw: string | null) => (raw ? decodeEnvelope(raw)?.seq : null);
const lineOf = (raw: string | null) => (raw ? decodeEnvelope(raw)?.line : null);

/** Takes and completes jobs one at a time until nothing is ready; returns their seqs. */
async function drain(q: Queue, worker = "w"): Promise<number[]> {
  const seqs: number[] = [];
  let raw = await q.take(blocking, worker, 0.05);
  while (raw) {
    seqs.push(seqOf(raw) as number);
    raw = (await q.complete(worker, raw, { takeNext: true })).next;
  }
  return seqs;
}

describe("one line", () => {
  it("assigns seq 1, 2, 3 and hands them out in that order, one at a time", async () => {
    const q = freshQueue();
    expect(await q.enqueue(job(1))).toBe(1);
    expect(await q.enqueue(job(2))).toBe(2);
    expect(await q.enqueue(job(3))).toBe(3);
    const first = await q.take(blocking, "w1", 1);
    expect(seqOf(first)).toBe(1);
    // The line's next job waits until its head has ended, whoever asks.
    expect(await q.take(blocking, "w2", 0.05)).toBeNull();
    const done = await q.complete("w1", first as string, { takeNext: true });
    expect(done).toEqual({ held: true, next: expect.any(String), late: false, mode: "record" });
    expect(seqOf(done.next)).toBe(2);
    const last = await q.complete("w1", done.next as string, { takeNext: true });
    expect(seqOf(last.next)).toBe(3);
    expect(await q.complete("w1", last.next as string, { takeNext: true })).toEqual({
      held: true,
      next: null,
      late: false,
      mode: "record",
    });
    expect(await ctx.redisClient.exists(q.keys.line("q"), q.keys.ready, q.keys.held("w1"))).toBe(0);
  });

  it("keeps seq order under 200 concurrent submissions", async () => {
    const q = freshQueue();
    await Promise.all(Array.from({ length: 200 }, (_, i) => q.enqueue(job(i + 1))));
    expect(await drain(q)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("holds a taken job in the worker's held list until it completes, and dead-letters in the same step", async () => {
    const q = freshQueue();
    await q.enqueue(job(1));
    const raw = (await q.take(blocking, "w1", 1)) as string;
    expect(await ctx.redisClient.lrange(q.keys.held("w1"), 0, -1)).toEqual([raw]);
    await q.complete("w1", raw, { dead: true });
    expect(await ctx.redisClient.llen(q.keys.held("w1"))).toBe(0);
    expect(await ctx.redisClient.llen(q.keys.line("q"))).toBe(0);
    expect((await q.deadEntries()).map((e) => e.id)).toEqual([id(1)]);
    expect(await q.forgetDead({ ids: [id(1)] })).toBe(1);
  });

  it("takes no next job while the queue is paused, and hands the line on to ready instead", async () => {
    const q = freshQueue();
    await q.enqueue(job(1, "u:a"));
    await q.enqueue(job(2, "u:a"));
    await q.enqueue(job(3, "u:b"));
    const first = (await q.take(blocking, "w", 1)) as string;
    await q.setPaused(true);
    expect(await q.isPaused()).toBe(true);
    expect((await q.complete("w", first, { takeNext: true })).next).toBeNull();
    expect(await ctx.redisClient.llen(q.keys.ready)).toBe(2);
    await q.setPaused(false);
    expect(seqOf(await q.take(blocking, "w", 1))).toBe(3);
  });

  it("wakes a canceled job out of its retry backoff, to the front of ready", async () => {
    const q = freshQueue();
    await q.enqueue(job(1, "u:a"));
    await q.enqueue(job(2, "u:b"));
    const a = (await q.take(blocking, "w", 1)) as string;
    await q.defer("w", a, Date.now() + 60_000);
    expect(await q.wake(id(2))).toBe(false);
    expect(await q.wake(id(1))).toBe(true);
    expect(await q.take(blocking, "w", 1)).toBe(a);
  });

  it("changes nothing when a worker completes a job it no longer holds", async () => {
    const q = freshQueue();
    await q.enqueue(job(1));
    await q.enqueue(job(2));
    const raw = (await q.take(blocking, "w1", 1)) as string;
    await q.giveBack("w1", raw);
    const again = (await q.take(blocking, "w2", 1)) as string;
    expect(await q.complete("w1", raw)).toEqual({ held: false, next: null, late: false, mode: "record" });
    expect(await ctx.redisClient.llen(q.keys.line("q"))).toBe(2);
    expect(seqOf((await q.complete("w2", again, { takeNext: true })).next)).toBe(2);
  });
});

describe("many lines", () => {
  it("runs different lines at once and keeps each in seq order", async () => {
    const q = freshQueue();
    await Promise.all(Array.from({ length: 120 }, (_, i) => q.enqueue(job(i + 1, `u:l${i % 4}`))));
    const heads = await Promise.all(["a", "b", "c", "d"].map((w) => q.take(blocking, w, 1)));
    expect(new Set(heads.map(lineOf)).size).toBe(4);
    expect(await q.take(blocking, "e", 0.05)).toBeNull();
    const byLine = new Map<string, number[]>();
    let held = heads.map((raw, i) => [["a", "b", "c", "d"][i] as string, raw as string] as const);
    while (held.length) {
      const next: (readonly [string, string])[] = [];
      for (const [worker, raw] of held) {
        const line = lineOf(raw) as string;
        byLine.set(line, [...(byLine.get(line) ?? []), seqOf(raw) as number]);
        const done = await q.complete(worker, raw, { takeNext: true });
        if (done.next) next.push([worker, done.next]);
      }
      held = next;
    }
    for (const seqs of byLine.values()) {
      expect(seqs).toHaveLength(30);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it("serves ready lines round-robin: a new line's job runs right after the busy line's current one", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 100; i++) await q.enqueue(job(i, "u:big"));
    const big = (await q.take(blocking, "w", 1)) as string;
    await q.enqueue(job(1000, "u:small"));
    const next = (await q.complete("w", big, { takeNext: true })).next;
    expect(lineOf(next)).toBe("u:small");
    expect(lineOf((await q.complete("w", next as string, { takeNext: true })).next)).toBe("u:big");
  });

  it("lets a slot go on with its own line when no other line is ready", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 3; i++) await q.enqueue(job(i, "u:only"));
    const first = (await q.take(blocking, "w", 1)) as string;
    const done = await q.complete("w", first, { takeNext: true });
    expect(seqOf(done.next)).toBe(2);
    expect(await ctx.redisClient.llen(q.keys.ready)).toBe(0);
  });
});

describe("batches", () => {
  const members = async (q: Queue, line: string) =>
    (await ctx.redisClient.lrange(q.keys.line(line), 0, -1)).reverse().map((raw) => decodeEnvelope(raw));

  it("gives a batch consecutive seqs in batch order, after the jobs enqueued before it", async () => {
    const q = freshQueue();
    expect(await q.enqueue(job(1))).toBe(1);
    expect(await q.enqueueBatch([job(2), job(3), job(4)])).toEqual([2, 3, 4]);
    expect(await q.enqueue(job(5))).toBe(5);
    expect((await members(q, "q")).map((e) => [e?.id, e?.seq])).toEqual([1, 2, 3, 4, 5].map((i) => [id(i), i]));
    expect(await drain(q)).toEqual([1, 2, 3, 4, 5]);
  });

  it("appends each job to its own line, keeping the batch's order within each, and each new line's head joins ready once", async () => {
    const q = freshQueue();
    const batch = [job(1, "u:a"), job(2, "u:b"), job(3, "u:a"), job(4, "u:c"), job(5, "u:b"), job(6, "u:a")];
    expect(await q.enqueueBatch(batch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await members(q, "u:a")).map((e) => e?.seq)).toEqual([1, 3, 6]);
    expect((await members(q, "u:b")).map((e) => e?.seq)).toEqual([2, 5]);
    expect((await members(q, "u:c")).map((e) => e?.seq)).toEqual([4]);
    // The heads in ready, oldest first (taken from the right).
    const ready = (await ctx.redisClient.lrange(q.keys.ready, 0, -1)).reverse().map(seqOf);
    expect(ready).toEqual([1, 2, 4]);
    expect((await drain(q)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("adds to a line that already has jobs without putting a second head in ready", async () => {
    const q = freshQueue();
    await q.enqueue(job(1, "u:a"));
    expect(await q.enqueueBatch([job(2, "u:a"), job(3, "u:a")])).toEqual([2, 3]);
    expect(await ctx.redisClient.llen(q.keys.ready)).toBe(1);
    expect(await drain(q)).toEqual([1, 2, 3]);
  });

  it("never shares a seq with enqueues running at the same time", async () => {
    const q = freshQueue();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? q.enqueue(job(1000 + i)).then((seq) => [seq]) : q.enqueueBatch([job(i * 10 + 1), job(i * 10 + 2)]),
      ),
    );
    const seqs = results.flat();
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const pair of results.filter((r) => r.length === 2)) expect(pair[1]).toBe((pair[0] as number) + 1);
  });
});

describe("retries and giving back", () => {
  it("parks a retrying head: its line waits, other lines go on, and it returns to the front when due", async () => {
    const q = freshQueue();
    await q.enqueue(job(1, "u:a"));
    await q.enqueue(job(2, "u:a"));
    await q.enqueue(job(3, "u:b"));
    const a1 = (await q.take(blocking, "w", 1)) as string;
    const due = Date.now() + 200;
    expect(await q.defer("w", a1, due)).toBe(true);
    expect(lineOf(await q.take(blocking, "w2", 1))).toBe("u:b");
    expect(await q.take(blocking, "w3", 0.05)).toBeNull();
    expect(await q.promoteDue(due - 100)).toEqual({ moved: 0, nextDueAt: due });
    expect(await q.promoteDue(due)).toEqual({ moved: 1, nextDueAt: null });
    expect(await q.take(blocking, "w3", 1)).toBe(a1);
  });

  it("gives a held job back to the front of ready, before other lines", async () => {
    const q = freshQueue();
    await q.enqueue(job(1, "u:a"));
    await q.enqueue(job(2, "u:b"));
    const a = (await q.take(blocking, "w1", 1)) as string;
    expect(await q.giveBack("w1", a)).toBe(true);
    expect(await q.take(blocking, "w2", 1)).toBe(a);
  });
});

describe("a job's first run", () => {
  const run = { payload: '{"a":"\\"run\\":{"}', maxAttempts: 3, owner: "o", createdAt: 1 };
  const quickJob = (i: number, line = "q") => ({ ...job(i, line), run });
  const takeAdmitted = async (q: Queue, worker: string) => {
    const raw = (await q.take(blocking, worker, 1)) as string;
    return { raw, mode: await q.admit(worker, raw) };
  };

  it("runs quick on its first take only, when its envelope carries its run; any later take runs from the record", async () => {
    const q = freshQueue();
    await q.enqueue(quickJob(1, "u:a"));
    await q.enqueue(job(2, "u:b"));
    const first = await takeAdmitted(q, "w");
    expect(first.mode).toBe("quick");
    expect(decodeEnvelope(first.raw)?.run).toEqual(run);
    expect((await takeAdmitted(q, "w")).mode).toBe("record");
    // Deferred for a retry: its attempt is on record by then, and the retry runs from the record.
    expect(await q.defer("w", first.raw, Date.now())).toBe(true);
    await q.promoteDue();
    expect(await takeAdmitted(q, "w")).toEqual({ raw: first.raw, mode: "record" });
    await q.complete("w", first.raw);
    expect(await ctx.redisClient.hlen(q.keys.quick)).toBe(0);
  });

  it("runs a halted job retried from its record, and forgets a skipped one", async () => {
    const q = freshQueue();
    await q.enqueue(quickJob(1, "u:a"));
    await q.enqueue(quickJob(2, "u:a"));
    const first = await takeAdmitted(q, "w");
    await q.complete("w", first.raw, { dead: true, halt: true });
    await q.resumeLine("u:a", { mode: "retry", failed: decodeEnvelope(first.raw) as Envelope });
    expect(await takeAdmitted(q, "w")).toEqual({ raw: first.raw, mode: "record" });
    await q.complete("w", first.raw, { dead: true, halt: true });
    await q.resumeLine("u:a", { mode: "skip", failed: decodeEnvelope(first.raw) as Envelope });
    expect(await ctx.redisClient.hexists(q.keys.quick, id(1))).toBe(0);
    // The line goes on with its next job, in its own first run.
    expect((await takeAdmitted(q, "w")).mode).toBe("quick");
  });

  it("marks a quick run cut short (given back, or its worker gone) so the next run counts it, and not a take that never ran", async () => {
    const q = freshQueue();
    await q.enqueue(quickJob(1, "u:a"));
    await q.enqueue(quickJob(2, "u:b"));
    await q.enqueue(quickJob(3, "u:c"));
    const a = await takeAdmitted(q, "w");
    expect(await q.giveBack("w", a.raw)).toBe(true);
    expect(await takeAdmitted(q, "w2")).toEqual({ raw: a.raw, mode: "again" });
    // The heir's run ends: the mark goes with it.
    await q.complete("w2", a.raw);
    expect(await ctx.redisClient.hexists(q.keys.quick, id(1))).toBe(0);

    await q.register("dead", "d");
    const b = await takeAdmitted(q, "dead");
    expect(await q.recover("dead", 0, true)).toBe(1);
    expect(await takeAdmitted(q, "w2")).toEqual({ raw: b.raw, mode: "again" });

    // A take whose reply was lost: the job never reached a slot, so its next take is its first run, quick.
    const c = await takeAdmitted(q, "w3");
    expect(await q.giveBack("w3", c.raw, { ran: false })).toBe(true);
    expect(await takeAdmitted(q, "w2")).toEqual({ raw: c.raw, mode: "quick" });
  });

  it("says how the job a completion takes runs", async () => {
    const q = freshQueue();
    await q.enqueue(job(1));
    await q.enqueue(quickJob(2));
    const first = (await q.take(blocking, "w", 1)) as string;
    const done = await q.complete("w", first, { takeNext: true });
    expect(seqOf(done.next)).toBe(2);
    expect(done.mode).toBe("quick");
  });

  it("refuses an owner's cancel while a quick run holds the job, and lets no take run it quick after one", async () => {
    const q = freshQueue();
    await q.enqueue(quickJob(1, "u:a"));
    await q.enqueue(quickJob(2, "u:b"));
    const a = await takeAdmitted(q, "w");
    expect(await q.fenceCancel("u:a", id(1))).toBe(false);
    await q.complete("w", a.raw);
    expect(await q.fenceCancel("u:b", id(2))).toBe(true);
    // The record decides now: the take runs from it (and finds it canceled, or starts it before the cancel lands).
    expect((await takeAdmitted(q, "w")).mode).toBe("record");
  });
});

describe("workers", () => {
  it("hands an earlier run's jobs back when a process starts with its id, and tells the earlier run it lost the id", async () => {
    const q = freshQueue();
    await q.enqueue(job(1, "u:a"));
    await q.enqueue(job(2, "u:b"));
    expect(await q.register("w", "run-1")).toBe(0);
    await q.take(blocking, "w", 1);
    expect(await q.register("w", "run-2")).toBe(1);
    expect(seqOf(await q.take(blocking, "x", 1))).toBe(1);
    expect(await q.heartbeat("w", "run-1")).toEqual({ alive: false, paused: false });
    expect(await q.heartbeat("w", "run-2")).toEqual({ alive: true, paused: false });
    await q.setPaused(true);
    expect(await q.heartbeat("w", "run-2")).toEqual({ alive: true, paused: true });
  });

  it("recovers a dead worker's heads to the front of ready, oldest first, and never a live one's", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 4; i++) await q.enqueue(job(i, `u:l${i}`));
    await q.register("dead", "d");
    await q.take(blocking, "dead", 1);
    await q.take(blocking, "dead", 1);
    expect(await q.recover("dead", 5_000)).toBeNull();
    expect(await q.staleWorkers(5_000)).toEqual([]);
    expect(await q.staleWorkers(0, Date.now() + 1)).toEqual(["dead"]);
    expect(await q.recover("dead", 0)).toBe(2);
    const order = [];
    for (let i = 0; i < 4; i++) order.push(seqOf(await q.take(blocking, "w2", 1)));
    expect(order).toEqual([1, 2, 3, 4]);
    expect((await q.heartbeat("dead", "d")).alive).toBe(false);
  });
});

describe("repair", () => {
  it("raises the seq counter to a floor but never lowers it", async () => {
    const q = freshQueue();
    await q.raiseSeqFloors(async () => 10);
    expect(await q.enqueue(job(1))).toBe(11);
    await q.raiseSeqFloors(async () => 5);
    expect(await q.enqueue(job(2))).toBe(12);
  });

  it("restores lost jobs at their seq place in their line", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 5; i++) await q.enqueue(job(i));
    const all = await ctx.redisClient.lrange(q.keys.line("q"), 0, -1);
    const lost = all.filter((raw) => [2, 4].includes(seqOf(raw) as number));
    for (const raw of lost) await ctx.redisClient.lrem(q.keys.line("q"), 1, raw);
    expect(await q.lineMembers("q")).toEqual(new Set([id(1), id(3), id(5)]));
    expect(await q.restore("q", lost.map((raw) => decodeEnvelope(raw) as Envelope).reverse())).toBe(2);
    expect(
      await q.restore(
        "q",
        lost.map((raw) => decodeEnvelope(raw) as Envelope),
      ),
    ).toBe(0);
    expect(await drain(q)).toEqual([1, 2, 3, 4, 5]);
  });

  it("rebuilds a line Redis lost entirely and puts its head up front", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 3; i++) await q.enqueue(job(i, "u:gone"));
    const all = (await ctx.redisClient.lrange(q.keys.line("u:gone"), 0, -1)).map((r) => decodeEnvelope(r) as Envelope);
    await ctx.redisClient.del(q.keys.line("u:gone"), q.keys.ready);
    expect(await q.restore("u:gone", all)).toBe(3);
    expect(await drain(q)).toEqual([1, 2, 3]);
  });

  it("lets a restored job go before a head that has not started, and flags one restored behind a started head", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 2; i++) await q.enqueue(job(i, "u:a"));
    const [first, second] = (await ctx.redisClient.lrange(q.keys.line("u:a"), 0, -1)).reverse() as [string, string];
    // Job 1 lost: job 2 became the head (in ready, not started). Restoring 1 puts it first again.
    await ctx.redisClient.lrem(q.keys.line("u:a"), 1, first);
    await ctx.redisClient.del(q.keys.ready);
    await ctx.redisClient.lpush(q.keys.ready, second);
    await q.restore("u:a", [decodeEnvelope(first) as Envelope]);
    expect(await drain(q)).toEqual([1, 2]);

    for (let i = 3; i <= 4; i++) await q.enqueue(job(i, "u:b"));
    const [third] = (await ctx.redisClient.lrange(q.keys.line("u:b"), 0, -1)).reverse() as [string];
    await ctx.redisClient.lrem(q.keys.line("u:b"), 1, third);
    await ctx.redisClient.del(q.keys.ready);
    const fourth = (await ctx.redisClient.lindex(q.keys.line("u:b"), -1)) as string;
    await ctx.redisClient.lpush(q.keys.ready, fourth);
    const running = (await q.take(blocking, "w", 1)) as string;
    expect(seqOf(running)).toBe(4);
    await q.restore("u:b", [decodeEnvelope(third) as Envelope]);
    const done = await q.complete("w", running, { takeNext: true });
    expect(done.late).toBe(true);
    expect(seqOf(done.next)).toBe(3);
  });
});

describe("snapshot", () => {
  it("counts ready, retrying and running lines, the dead list, live workers and the front's age", async () => {
    const q = freshQueue();
    await q.register("w", "i");
    for (let i = 1; i <= 4; i++) await q.enqueue({ ...job(i, `u:l${i}`), enqueuedAt: Date.now() - 10_000 });
    const a = (await q.take(blocking, "w", 1)) as string;
    const b = (await q.take(blocking, "w", 1)) as string;
    await q.defer("w", b, Date.now() + 60_000);
    const snap = await q.snapshot(5_000);
    expect(snap).toMatchObject({ readyLines: 2, retryingLines: 1, linesInFlight: 1, dead: 0, workersAlive: 1 });
    expect(snap.oldestReadyAgeSeconds).toBeGreaterThanOrEqual(9);
    await q.complete("w", a, { dead: true });
    expect((await q.snapshot(5_000)).dead).toBe(1);
  });
});

describe("partitions", () => {
  const partitioned = () => {
    n += 1;
    return createQueue(ctx.redisClient, `${ctx.queueName}-${n}`, { partitions: 4 });
  };

  it("keeps each line in one partition, seqs unique across partitions and increasing along each line", async () => {
    const q = partitioned();
    const lines = Array.from({ length: 12 }, (_, i) => `u:p${i}`);
    const seqs = new Map<string, number[]>();
    for (let i = 0; i < 60; i++) {
      const line = lines[i % lines.length] as string;
      seqs.set(line, [...(seqs.get(line) ?? []), await q.enqueue(job(i + 1, line))]);
    }
    const all = [...seqs.values()].flat();
    expect(new Set(all).size).toBe(60);
    for (const [line, list] of seqs) {
      expect(list).toEqual([...list].sort((a, b) => a - b));
      // seq = n * partitions + partition: every seq of a line names the line's partition.
      expect(new Set(list.map((s) => s % 4))).toEqual(new Set([partitionOf(line, 4)]));
    }
    expect(new Set(lines.map((l) => partitionOf(l, 4))).size).toBeGreaterThan(1);
  });

  it("hands out every partition's jobs, each line in order, taking the partitions in turn", async () => {
    const q = partitioned();
    for (let i = 0; i < 40; i++) await q.enqueue(job(i + 1, `u:t${i % 8}`));
    const taken: string[] = [];
    let last = -1;
    for (;;) {
      let raw: string | null = null;
      for (const p of q.rotation(last)) {
        last = p;
        raw = await q.takeNow("w", p);
        if (raw) break;
      }
      if (!raw) break;
      taken.push(raw);
      await q.complete("w", raw);
    }
    expect(taken).toHaveLength(40);
    const byLine = new Map<string, number[]>();
    for (const raw of taken) {
      const env = decodeEnvelope(raw) as Envelope;
      byLine.set(env.line, [...(byLine.get(env.line) ?? []), env.seq]);
    }
    for (const list of byLine.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  });

  it("raises each partition's counter past the highest seq MongoDB holds in it", async () => {
    const q = partitioned();
    await q.raiseSeqFloors(async (p) => (p === 2 ? 4 * 10 + 2 : 0));
    const line = Array.from({ length: 50 }, (_, i) => `u:f${i}`).find((l) => partitionOf(l, 4) === 2) as string;
    expect(await q.enqueue(job(1, line))).toBe(4 * 11 + 2);
  });

  it("pauses every partition, and counts them all in the snapshot", async () => {
    const q = partitioned();
    for (let i = 0; i < 8; i++) await q.enqueue(job(i + 1, `u:s${i}`));
    await q.setPaused(true);
    expect((await q.snapshot(5_000)).paused).toBe(true);
    expect(await q.heartbeat("nobody", "x")).toEqual({ alive: false, paused: true });
    await q.setPaused(false);
    expect((await q.snapshot(5_000)).readyLines).toBe(8);
  });
});

describe("minute stats", () => {
  it("counts endings and retries in the minute's hash, which expires after its lifetime whoever created it", async () => {
    for (const first of ["complete", "defer"] as const) {
      const q = freshQueue();
      for (let i = 1; i <= 4; i++) await q.enqueue(job(i, `l${i}`));
      const end = async (how: "complete" | "defer") => {
        const raw = (await q.take(blocking, "w", 0.05)) as string;
        if (how === "complete") await q.complete("w", raw, { stats: { outcome: "succeeded", waitMs: 5 } });
        else await q.defer("w", raw, Date.now() + 60_000);
      };
      const startedIn = minuteOf(Date.now());
      const order = first === "complete" ? ["complete", "defer", "complete"] : ["defer", "complete", "complete"];
      for (const how of order as ("complete" | "defer")[]) await end(how);
      // A minute may turn during the steps: the counts then spread over two hashes, each with its lifetime.
      const minutes = [...new Set([startedIn, minuteOf(Date.now())])];
      for (const m of minutes) {
        const ttl = await ctx.redisClient.ttl(q.keys.stats(m));
        if (ttl === -2) continue;
        expect(ttl).toBeGreaterThan(STATS_TTL_SECONDS - 60);
        expect(ttl).toBeLessThanOrEqual(STATS_TTL_SECONDS);
      }
      const read = await readStats(ctx.redisClient, [q.keys], startedIn, minuteOf(Date.now()));
      const succeeded = read.reduce((n, m) => n + m.succeeded, 0);
      const retried = read.reduce((n, m) => n + m.retried, 0);
      // Both endings waited 5 ms: the wait histogram's first bucket (up to 10 ms).
      expect(read.filter((m) => m.succeeded).map((m) => m.waitP95Ms)).toEqual(
        read.filter((m) => m.succeeded).map(() => 10),
      );
      expect({ succeeded, retried }).toEqual({ succeeded: 2, retried: 1 });
    }
  });
});
