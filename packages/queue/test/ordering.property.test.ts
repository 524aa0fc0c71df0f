// Property test of the queue's ordering invariant against a real Redis: under any interleaving of enqueues,
// reserves, acks, crashes (recover) and shutdowns (return to head), jobs are handed out in seq order — a job
// is handed out again only when it was put back, and then before any later job.
import { afterAll, beforeAll, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import fc from "fast-check";
import Redis from "ioredis";
import { decodeEnvelope } from "../src/envelope";
import { createQueue } from "../src/queue";

let ctx: TestContext;
let blocking: Redis;
beforeAll(async () => {
  ctx = await createTestContext("ordering");
  blocking = new Redis(ctx.redisUrl);
});
afterAll(async () => {
  blocking.disconnect();
  await ctx.cleanup();
});

type Op =
  | { kind: "enqueue"; n: number }
  | { kind: "take" }
  | { kind: "ack" }
  | { kind: "crash" }
  | { kind: "giveBack" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("enqueue" as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: "take" as const }),
  fc.constant({ kind: "ack" as const }),
  fc.constant({ kind: "crash" as const }),
  fc.constant({ kind: "giveBack" as const }),
);

let run = 0;
it("hands jobs out in seq order under any interleaving (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      run += 1;
      const q = createQueue(ctx.redisClient, `${ctx.queueName}-${run}`);
      let next = 1;
      let held: string | null = null;
      const taken: number[] = [];
      const take = async () => {
        held = await q.reserve(blocking, "w", 0.01);
        if (held) taken.push(decodeEnvelope(held)?.seq as number);
      };
      for (const o of ops) {
        if (o.kind === "enqueue") {
          await Promise.all(
            Array.from({ length: o.n }, () =>
              q.enqueue({ id: (next++).toString(16).padStart(24, "0"), type: "echo", enqueuedAt: 0 }),
            ),
          );
        } else if (o.kind === "take" && !held) {
          await take();
        } else if (o.kind === "ack" && held) {
          await q.finish("w", held);
          held = null;
        } else if (o.kind === "crash" && held) {
          await q.recover("w");
          held = null;
        } else if (o.kind === "giveBack" && held) {
          await q.returnToHead("w", held);
          held = null;
        }
      }
      // Drain what is left.
      if (held) await q.finish("w", held);
      for (;;) {
        await take();
        if (!held) break;
        await q.finish("w", held);
      }
      // One worker holding one job at a time: each job handed out is either the next new seq, or the job just
      // handed out again (it was put back by a crash or a shutdown). Nothing is skipped, nothing goes back.
      let highest = 0;
      for (const [i, seq] of taken.entries()) {
        expect(seq === highest + 1 || (i > 0 && seq === taken[i - 1])).toBe(true);
        highest = Math.max(highest, seq);
      }
      expect(highest).toBe(next - 1);
      await ctx.redisClient.del(q.keys.pending, q.keys.processing("w"), q.keys.seq);
    }),
    { numRuns: 40 },
  );
}, 120_000);
