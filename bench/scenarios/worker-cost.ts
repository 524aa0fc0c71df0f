// Worker cost per job, side by side in one run: Lineup's worker at 1 and 8 slots, BullMQ at concurrency 1 and 8,
// and the raw list loops every Redis queue is built on (LPUSH/BRPOP, and the reliable BLMOVE/LREM).
// What does not depend on the store: CPU µs and Redis commands per job; MongoDB commands per job for Lineup.
import { measureRun, type Run, type System } from "../lib/runs";
import type { Stack } from "../lib/stack";

export async function workerCost(stack: Stack, quick: boolean): Promise<Run[]> {
  const jobs = quick ? 400 : 3000;
  const plan: [System, number][] = [
    ["lineup", 1],
    ["bullmq", 1],
    ["brpop", 1],
    ["blmove", 1],
    ["lineup", 8],
    ["bullmq", 8],
  ];
  const results: Run[] = [];
  for (const [system, slots] of plan) {
    results.push(await measureRun(stack, { system, slots, jobs, groups: 64, work: { kind: "echo" } }));
  }
  return results;
}
