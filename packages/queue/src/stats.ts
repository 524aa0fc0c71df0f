// The queue's numbers over time, kept by Lineup itself (the console draws them; no Prometheus needed): one hash per
// partition per minute, counted by the scripts that end and defer jobs (complete.lua, defer.lua), so a count is made
// exactly when the state changes. Each expires a little after a day. A Redis that loses them reads as zeros.
// A job's ending is one count of one field that names both its outcome and its wait bucket ('succeeded:w3'); the
// reader adds a field's count to each part it names.
import type Redis from "ioredis";
import type { QueueKeys } from "./keys";

/** Upper bounds (ms) of the wait histogram's buckets; a wait above the last falls in one more, open bucket. */
export const WAIT_BUCKETS_MS = [
  10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
] as const;

/** Kept for a day, and an hour more so the oldest minute of a 24 h view is whole. */
export const STATS_TTL_SECONDS = 25 * 3600;

export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

/** The wait histogram's bucket for a job that waited `ms` in its line before its first attempt. */
function waitBucket(ms: number): string {
  const i = WAIT_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return `w${i === -1 ? WAIT_BUCKETS_MS.length : i}`;
}

/** The field an ending counts in: its outcome, and its wait bucket when the wait is known. */
export function statsField(outcome: string, waitMs?: number): string {
  return waitMs === undefined ? outcome : `${outcome}:${waitBucket(waitMs)}`;
}

export type MinuteStats = {
  /** The minute's start. */
  at: Date;
  succeeded: number;
  failed: number;
  /** Failed attempts that will be tried again. */
  retried: number;
  /** Of the jobs that ended this minute, the wait before their first attempt: p50 and p95, as the upper bound of the
   * histogram bucket each falls in (null when none ended, or past the last bound). */
  waitP50Ms: number | null;
  waitP95Ms: number | null;
};

/** The minutes from `from` to `to` (inclusive), each summed over the partitions. One pipeline per partition. */
export async function readStats(
  redis: Redis,
  partitionKeys: readonly QueueKeys[],
  from: number,
  to: number,
): Promise<MinuteStats[]> {
  const minutes = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const sums = minutes.map(() => new Map<string, number>());
  await Promise.all(
    partitionKeys.map(async (keys) => {
      const pipeline = redis.pipeline();
      for (const minute of minutes) pipeline.hgetall(keys.stats(minute));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([err, hash], i) => {
        if (err || !hash) return;
        const sum = sums[i] as Map<string, number>;
        for (const [field, n] of Object.entries(hash as Record<string, string>)) {
          for (const part of field.split(":")) sum.set(part, (sum.get(part) ?? 0) + Number(n));
        }
      });
    }),
  );
  return minutes.map((minute, i) => {
    const sum = sums[i] as Map<string, number>;
    const waits = Array.from({ length: WAIT_BUCKETS_MS.length + 1 }, (_, b) => sum.get(`w${b}`) ?? 0);
    return {
      at: new Date(minute * 60_000),
      succeeded: sum.get("succeeded") ?? 0,
      failed: sum.get("failed") ?? 0,
      retried: sum.get("retried") ?? 0,
      waitP50Ms: quantile(waits, 0.5),
      waitP95Ms: quantile(waits, 0.95),
    };
  });
}

function quantile(counts: number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total) return null;
  let seen = 0;
  for (const [i, n] of counts.entries()) {
    seen += n;
    if (seen >= q * total) return WAIT_BUCKETS_MS[i] ?? null;
  }
  return null;
}
