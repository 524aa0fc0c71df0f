import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import Redis from "ioredis";
import { decodeEnvelope, type Envelope } from "../src/envelope";
import { createQueue, type Queue } from "../src/queue";

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
const job = (i: number) => ({ id: id(i), type: "echo", enqueuedAt: Date.now() });
const seqOf = (raw: string | null) => decodeEnvelope(raw as string)?.seq;

describe("enqueue and reserve", () => {
  it("assigns seq 1, 2, 3 and hands jobs out in that order", async () => {
    const q = freshQueue();
    expect(await q.enqueue(job(1))).toBe(1);
    expect(await q.enqueue(job(2))).toBe(2);
    expect(await q.enqueue(job(3))).toBe(3);
    const taken = [];
    for (let i = 0; i < 3; i++) {
      const raw = await q.reserve(blocking, "w1", 1);
      taken.push(seqOf(raw));
      await q.finish("w1", raw as string);
    }
    expect(taken).toEqual([1, 2, 3]);
    expect(await q.reserve(blocking, "w1", 0.1)).toBeNull();
  });

  it("keeps list order equal to seq order under 200 concurrent submissions", async () => {
    const q = freshQueue();
    await Promise.all(Array.from({ length: 200 }, (_, i) => q.enqueue(job(i + 1))));
    const seqs: number[] = [];
    for (;;) {
      const raw = await q.reserve(blocking, "w1", 0.1);
      if (!raw) break;
      seqs.push(seqOf(raw) as number);
      await q.finish("w1", raw);
    }
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("holds a reserved job in the worker's processing list until it is finished", async () => {
    const q = freshQueue();
    await q.enqueue(job(1));
    const raw = (await q.reserve(blocking, "w1", 1)) as string;
    expect(await ctx.redisClient.lrange(q.keys.processing("w1"), 0, -1)).toEqual([raw]);
    await q.finish("w1", raw);
    expect(await ctx.redisClient.llen(q.keys.processing("w1"))).toBe(0);
  });

  it("dead-letters a job atomically with its removal", async () => {
    const q = freshQueue();
    await q.enqueue(job(1));
    const raw = (await q.reserve(blocking, "w1", 1)) as string;
    await q.finish("w1", raw, { dead: true });
    expect(await ctx.redisClient.llen(q.keys.processing("w1"))).toBe(0);
    expect(await ctx.redisClient.lrange(q.keys.dead, 0, -1)).toEqual([raw]);
  });
});

describe("putting jobs back", () => {
  it("returns a held job to the head, so it runs before everything else", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 3; i++) await q.enqueue(job(i));
    const first = (await q.reserve(blocking, "w1", 1)) as string;
    expect(await q.returnToHead("w1", first)).toBe(true);
    expect(seqOf(await q.reserve(blocking, "w1", 1))).toBe(1);
  });

  it("recovers a dead worker's list to the head in seq order", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 4; i++) await q.enqueue(job(i));
    await q.reserve(blocking, "dead-worker", 1);
    await q.reserve(blocking, "dead-worker", 1);
    expect(await q.recover("dead-worker")).toBe(2);
    const order = [];
    for (let i = 0; i < 4; i++) order.push(seqOf(await q.reserve(blocking, "w2", 1)));
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it("does not recover a worker whose heartbeat is recent", async () => {
    const q = freshQueue();
    await q.enqueue(job(1));
    await q.claimActive("alive", 10_000, 5_000);
    await q.reserve(blocking, "alive", 1);
    expect(await q.recover("alive", 4_000)).toBe(-1);
    expect(await q.recover("alive", 6_000)).toBe(1);
  });
});

describe("leadership", () => {
  it("lets one worker be active at a time and hands over on release", async () => {
    const q = freshQueue();
    expect(await q.claimActive("a", 5_000)).toBe(true);
    expect(await q.claimActive("b", 5_000)).toBe(false);
    expect(await q.claimActive("a", 5_000)).toBe(true);
    await q.releaseActive("b");
    expect(await q.claimActive("b", 5_000)).toBe(false);
    await q.releaseActive("a");
    expect(await q.claimActive("b", 5_000)).toBe(true);
  });

  it("hands over when the lease runs out", async () => {
    const q = freshQueue();
    expect(await q.claimActive("a", 100)).toBe(true);
    await Bun.sleep(150);
    expect(await q.claimActive("b", 5_000)).toBe(true);
  });
});

describe("repair", () => {
  it("raises the seq counter to a floor but never lowers it", async () => {
    const q = freshQueue();
    expect(await q.raiseSeqFloor(10)).toBe(10);
    expect(await q.enqueue(job(1))).toBe(11);
    expect(await q.raiseSeqFloor(5)).toBe(11);
  });

  it("restores lost jobs at their seq position", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 5; i++) await q.enqueue(job(i));
    const all = await ctx.redisClient.lrange(q.keys.pending, 0, -1);
    // Lose seq 2 and 4.
    const lost = all.filter((raw) => [2, 4].includes(seqOf(raw) as number));
    for (const raw of lost) await ctx.redisClient.lrem(q.keys.pending, 1, raw);
    await q.restore(lost.map((raw) => decodeEnvelope(raw) as Envelope).reverse());
    const order = [];
    for (let i = 0; i < 5; i++) order.push(seqOf(await q.reserve(blocking, "w", 1)));
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(await ctx.redisClient.llen(q.keys.pending)).toBe(0);
  });

  it("lists every envelope Redis holds, pending and processing", async () => {
    const q = freshQueue();
    for (let i = 1; i <= 3; i++) await q.enqueue(job(i));
    await q.reserve(blocking, "w9", 1);
    const held: string[] = [];
    for await (const batch of q.heldEnvelopes(2)) held.push(...batch);
    expect(held.map(seqOf).sort()).toEqual([1, 2, 3]);
  });
});
