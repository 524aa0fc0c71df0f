// Property test of the lines' ordering invariant against a real Redis: under any interleaving of enqueues into
// several lines, takes and completions by two workers, crashes (recover), shutdowns (give back) and retries (defer,
// promote), (1) no line ever has two jobs out at once, (2) each line hands its jobs out in seq order, a job handed
// out again only after it was put back and before any later job of its line, and (3) every job completes once.
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

const WORKERS = ["w1", "w2"] as const;
const LINES = ["u:a", "u:b", "u:c"] as const;
type Worker = (typeof WORKERS)[number];

type Op =
  | { kind: "enqueue"; line: number; n: number }
  | { kind: "take" | "complete" | "crash" | "giveBack" | "defer"; worker: number }
  | { kind: "promote" };

const worker = fc.integer({ min: 0, max: WORKERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("enqueue" as const),
    line: fc.integer({ min: 0, max: LINES.length - 1 }),
    n: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constantFrom("take" as const, "complete" as const), worker }),
  fc.record({ kind: fc.constantFrom("crash" as const, "giveBack" as const, "defer" as const), worker }),
  fc.constant({ kind: "promote" as const }),
);

let run = 0;
it("keeps every line in seq order, one job out at a time, under any interleaving (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 50 }), async (ops) => {
      run += 1;
      const q = createQueue(ctx.redisClient, `${ctx.queueName}-${run}`);
      let next = 1;
      const held = new Map<Worker, string[]>(WORKERS.map((w) => [w, []]));
      const handedOut = new Map<string, number[]>(LINES.map((l) => [l, []]));
      const completed: number[] = [];
      const out = new Set<string>();
      const info = (raw: string) => decodeEnvelope(raw) as { seq: number; line: string };

      const handOut = (w: Worker, raw: string | null) => {
        if (!raw) return;
        const { seq, line } = info(raw);
        expect(out.has(line)).toBe(false); // (1)
        out.add(line);
        handedOut.get(line)?.push(seq);
        held.get(w)?.push(raw);
      };
      const release = (w: Worker): string | undefined => {
        const raw = held.get(w)?.shift();
        if (raw) out.delete(info(raw).line);
        return raw;
      };

      for (const o of ops) {
        if (o.kind === "enqueue") {
          const line = LINES[o.line] as string;
          await Promise.all(
            Array.from({ length: o.n }, () =>
              q.enqueue({ id: (next++).toString(16).padStart(24, "0"), line, type: "echo", enqueuedAt: 0 }),
            ),
          );
        } else if (o.kind === "promote") {
          await q.promoteDue(Number.MAX_SAFE_INTEGER);
        } else {
          const w = WORKERS[o.worker] as Worker;
          const mine = held.get(w) as string[];
          if (o.kind === "take" && mine.length < 2) {
            handOut(w, await q.take(blocking, w, 0.01));
          } else if (o.kind === "complete" && mine.length) {
            const raw = release(w) as string;
            completed.push(info(raw).seq);
            handOut(w, (await q.complete(w, raw, { takeNext: mine.length < 2 })).next);
          } else if (o.kind === "crash" && mine.length) {
            while (release(w));
            await q.recover(w, 0, true);
          } else if (o.kind === "giveBack" && mine.length) {
            await q.giveBack(w, release(w) as string);
          } else if (o.kind === "defer" && mine.length) {
            await q.defer(w, release(w) as string, 0);
          }
        }
      }
      // Drain: everything held completes, due retries come back, and every line runs dry.
      for (const w of WORKERS) {
        for (let raw = release(w); raw; raw = release(w)) {
          completed.push(info(raw).seq);
          await q.complete(w, raw);
        }
      }
      await q.promoteDue(Number.MAX_SAFE_INTEGER);
      for (let raw = await q.take(blocking, "w1", 0.01); raw; ) {
        handOut("w1", raw);
        release("w1");
        completed.push(info(raw).seq);
        raw = (await q.complete("w1", raw, { takeNext: true })).next;
      }
      // (2) Per line: each job handed out is the next new seq of its line, or the one just handed out again.
      for (const seqs of handedOut.values()) {
        let highest = 0;
        for (const [i, seq] of seqs.entries()) {
          expect(seq > highest || (i > 0 && seq === seqs[i - 1])).toBe(true);
          highest = Math.max(highest, seq);
        }
      }
      // (3) Every job completed exactly once.
      expect([...completed].sort((a, b) => a - b)).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
      await ctx.redisClient.del(
        q.keys.seq,
        q.keys.ready,
        q.keys.delayed,
        ...LINES.map(q.keys.line),
        ...WORKERS.map(q.keys.held),
      );
    }),
    { numRuns: 60 },
  );
}, 120_000);
