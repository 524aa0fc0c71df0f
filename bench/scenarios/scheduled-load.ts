// Jobs/s with a million jobs scheduled for later (their due-time index full) against none: the take path must not
// notice them. The scheduled entries are far in the future, so none falls due during the run; the worker's
// housekeeping still looks at the index every second (what is due, when the next is).
import { measureRun, type Run } from "../lib/runs";
import type { Stack } from "../lib/stack";

export type ScheduledLoad = { scheduled: number; run: Run }[];

const BATCH = 10_000;

export async function scheduledLoad(stack: Stack, quick: boolean): Promise<ScheduledLoad> {
  const sizes = quick ? [0, 100_000] : [0, 1_000_000];
  const jobs = quick ? 300 : 2_000;
  const results: ScheduledLoad = [];
  for (const scheduled of sizes) {
    let queue = "";
    const run = await measureRun(stack, {
      system: "lineup",
      slots: 8,
      jobs,
      groups: 64,
      work: { kind: "echo" },
      prepare: (name) => {
        queue = name;
        return fill(stack, name, scheduled);
      },
    });
    results.push({ scheduled, run });
    await stack.ctx.redisClient.unlink(`lineup:{${queue}}:scheduled`);
  }
  return results;
}

/** `count` jobs due a year from now in the queue's due-time index, laid out as the api leaves them. */
async function fill(stack: Stack, queue: string, count: number): Promise<void> {
  const dueAt = new Date(Date.now() + 365 * 24 * 3600_000);
  for (let i = 0; i < count; i += BATCH) {
    const args: (string | number)[] = [];
    for (let k = i; k < Math.min(count, i + BATCH); k++) {
      // As the api writes a scheduled job's envelope: its due time is its enqueuedAt.
      const at = dueAt.getTime() + k;
      const id = k.toString(16).padStart(24, "0");
      args.push(at, JSON.stringify({ id, line: `u:later${k % 1000}`, type: "echo", enqueuedAt: at }));
    }
    await stack.ctx.redisClient.zadd(`lineup:{${queue}}:scheduled`, ...args);
  }
}
