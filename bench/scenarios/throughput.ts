// Jobs/s by slots (concurrency): Lineup with 64 groups, groupmq with the same 64 groups, and BullMQ (no groups) at
// the same concurrency, on `echo` and on `http` jobs against a local target that answers in 50 ms. One worker
// process each, measured in one run. Wall-clock numbers depend on the store: Lineup's MongoDB here is the stand-in.
import { measureRun, type Run, type System } from "../lib/runs";
import { type Stack, slowTarget } from "../lib/stack";

export async function throughput(stack: Stack, quick: boolean): Promise<Run[]> {
  const slotsList = quick ? [1, 8] : [1, 2, 4, 8, 16];
  const systems: System[] = ["lineup", "bullmq", "groupmq"];
  const target = slowTarget(50);
  const results: Run[] = [];
  try {
    for (const slots of slotsList) {
      for (const system of systems) {
        results.push(
          await measureRun(stack, { system, slots, jobs: quick ? 300 : 2000, groups: 64, work: { kind: "echo" } }),
        );
        results.push(
          await measureRun(stack, {
            system,
            slots,
            // About 30 rounds of 50 ms per slot: long enough to measure, short enough for the whole sweep.
            jobs: (quick ? 10 : 30) * slots,
            groups: 64,
            work: { kind: "http", url: target.url },
          }),
        );
      }
    }
  } finally {
    target.stop();
  }
  return results;
}
