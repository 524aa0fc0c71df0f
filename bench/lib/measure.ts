// Measuring tools for the benchmarks: process CPU time, Redis command counts, percentiles, waiting.
import { readFileSync } from "node:fs";
import { waitFor } from "@lineup/testkit";
import type Redis from "ioredis";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system, all threads) a process has used so far, in ms (10 ms resolution). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Commands Redis has executed, by command name (INFO commandstats; commands inside scripts count too). */
export async function redisCommands(redis: Redis): Promise<Map<string, number>> {
  const info = (await redis.info("commandstats")) as string;
  const calls = new Map<string, number>();
  for (const [, name, n] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(name as string, Number(n));
  return calls;
}

/** Commands executed between two snapshots, leaving out the named ones (the bench's own). */
export function commandDelta(before: Map<string, number>, after: Map<string, number>, ignore: string[] = []): number {
  let total = 0;
  for (const [name, n] of after) if (!ignore.includes(name)) total += n - (before.get(name) ?? 0);
  return total;
}

/** Redis's own CPU time so far, ms (INFO cpu). */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = (await redis.info("cpu")) as string;
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return (get("used_cpu_user") + get("used_cpu_sys")) * 1000;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Waits until `check` holds, on the monotonic clock (the test kit's waitFor); throws once timeoutMs have passed. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 20): Promise<void> {
  await waitFor(check, timeoutMs, everyMs);
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
