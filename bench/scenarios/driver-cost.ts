// What the MongoDB driver itself costs: client CPU per ping, findOne, insertOne and a 100-document insertMany, through
// the official driver and as the same command in one OP_MSG on a raw socket, under Bun and under Node, against the
// bench's MongoDB (bench/peers/driver-probe.mjs runs in each runtime in turn).
import { REPO_ROOT } from "@lineup/testkit";
import type { Stack } from "../lib/stack";

export type DriverOp = "ping" | "findOne" | "insertOne" | "insertMany100";
export type DriverCost = { runtime: string; ops: Record<DriverOp, { driverUs: number; rawUs: number }> }[];

export async function driverCost(stack: Stack, quick: boolean): Promise<DriverCost> {
  const results: DriverCost = [];
  for (const runtime of ["bun", "node"]) {
    const proc = Bun.spawn([runtime, "bench/peers/driver-probe.mjs", stack.ctx.mongoUrl, quick ? "200" : "2000"], {
      cwd: REPO_ROOT,
      stdout: "pipe",
      stderr: "inherit",
    });
    const out = await new Response(proc.stdout).text();
    if ((await proc.exited) !== 0) throw new Error(`driver probe under ${runtime} failed`);
    results.push(JSON.parse(out.trim().split("\n").at(-1) ?? "") as DriverCost[number]);
  }
  return results;
}
