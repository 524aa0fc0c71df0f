// What the MongoDB driver itself costs: client CPU per ping, findOne, insertOne and a 100-document insertMany, through
// the official driver and as the same command in one OP_MSG on a raw socket, under Bun and under Node, against the
// bench's MongoDB (bench/peers/driver-probe.mjs runs in each runtime in turn).
import { inEachRuntime } from "../lib/runtimes";
import type { Stack } from "../lib/stack";

export type DriverOp = "ping" | "findOne" | "insertOne" | "insertMany100";
export type DriverCost = { runtime: string; ops: Record<DriverOp, { driverUs: number; rawUs: number }> }[];

export function driverCost(stack: Stack, quick: boolean): Promise<DriverCost> {
  return inEachRuntime("bench/peers/driver-probe.mjs", [stack.ctx.mongoUrl, quick ? "200" : "2000"]);
}
