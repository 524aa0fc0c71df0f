// The machine's floor under every round trip: process CPU per timer wake-up after sleeping 1 to 100 ms, under Bun and
// under Node (bench/peers/wake-probe.mjs runs in each runtime in turn). It reads the other rows: a job that waits on
// more round trips, or longer ones, pays this once per wait.
import { inEachRuntime } from "../lib/runtimes";

export type WakeCost = { runtime: string; wakes: { sleepMs: number; cpuUs: number }[] }[];

export function wakeCost(quick: boolean): Promise<WakeCost> {
  return inEachRuntime("bench/peers/wake-probe.mjs", ["1,5,20,100", quick ? "0.5" : "2"]);
}
