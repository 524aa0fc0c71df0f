// The machine's floor under every round trip: process CPU per timer wake-up after sleeping 1 to 100 ms, under Bun and
// under Node (bench/peers/wake-probe.mjs runs in each runtime in turn). It reads the other rows: a job that waits on
// more round trips, or longer ones, pays this once per wait.
import { REPO_ROOT } from "@lineup/testkit";

export type WakeCost = { runtime: string; wakes: { sleepMs: number; cpuUs: number }[] }[];

export async function wakeCost(quick: boolean): Promise<WakeCost> {
  const results: WakeCost = [];
  for (const runtime of ["bun", "node"]) {
    const proc = Bun.spawn([runtime, "bench/peers/wake-probe.mjs", "1,5,20,100", quick ? "0.5" : "2"], {
      cwd: REPO_ROOT,
      stdout: "pipe",
      stderr: "inherit",
    });
    const out = await new Response(proc.stdout).text();
    if ((await proc.exited) !== 0) throw new Error(`wake probe under ${runtime} failed`);
    results.push(JSON.parse(out.trim().split("\n").at(-1) ?? "") as WakeCost[number]);
  }
  return results;
}
