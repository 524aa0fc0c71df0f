// Time in Redis: the due-time indexes of jobs submitted to run later (one sorted set per partition, beside the lines
// they will join) and of the queue's schedules (one sorted set). MongoDB holds the records; these indexes say what is
// due when, so whichever worker looks first acts on it, and no process keeps a timer of its own. The reconciler
// rebuilds them from MongoDB when Redis loses them.
import type Redis from "ioredis";
import { decodeUnsequenced, type Envelope, encodeUnsequenced } from "./envelope";
import { partitionOf, type QueueKeys } from "./keys";
import { defineScripts } from "./scripts";

/** A job due later, as its partition's index holds it: the envelope it will join its line with, without seq. */
export type ScheduledJob = Omit<Envelope, "seq">;

export function createDueTimes(redis: Redis, partitionKeys: readonly QueueKeys[]) {
  const r = defineScripts(redis);
  const partitions = partitionKeys.length;
  const keysOf = (line: string) => partitionKeys[partitionOf(line, partitions)] as QueueKeys;
  const each = <T>(fn: (keys: QueueKeys, partition: number) => Promise<T>) =>
    Promise.all(partitionKeys.map((keys, p) => fn(keys, p)));
  // The schedules' index lives in the first partition's slot, as the queue-wide lock does.
  const first = partitionKeys[0] as QueueKeys;

  /** Groups jobs by the partition of their line: one command per partition. */
  function byPartition(jobs: ScheduledJob[]): Map<QueueKeys, ScheduledJob[]> {
    const groups = new Map<QueueKeys, ScheduledJob[]>();
    for (const job of jobs) groups.set(keysOf(job.line), [...(groups.get(keysOf(job.line)) ?? []), job]);
    return groups;
  }

  return {
    /**
     * Indexes jobs that are due later, each scored by its due time (its envelope's enqueuedAt). Adding one that is
     * there already changes nothing, so the reconciler may add them all again.
     */
    async schedule(jobs: ScheduledJob[]): Promise<void> {
      await Promise.all(
        [...byPartition(jobs)].map(([keys, part]) =>
          redis.zadd(keys.scheduled, "NX", ...part.flatMap((job) => [job.enqueuedAt, encodeUnsequenced(job)])),
        ),
      );
    },

    /** Takes jobs out of the index (canceled, withdrawn, or no longer scheduled on record). */
    async unschedule(jobs: ScheduledJob[]): Promise<void> {
      await Promise.all(
        [...byPartition(jobs)].map(([keys, part]) => redis.zrem(keys.scheduled, ...part.map(encodeUnsequenced))),
      );
    },

    /** Jobs whose due time has come, at most `limit` per partition, earliest first. */
    async due(now: number, limit: number): Promise<ScheduledJob[]> {
      const found = await each((keys) =>
        redis.zrange(keys.scheduled, "-inf", String(now), "BYSCORE", "LIMIT", 0, limit),
      );
      return found.flat().flatMap((raw) => {
        const job = decodeUnsequenced(raw);
        return job ? [job] : [];
      });
    },

    /**
     * A due job joins the tail of its line and takes its seq; null when another worker released it first. With
     * `repair` (a job Redis lost, as the reconciler finds it) it joins its line even if the index lacks it.
     */
    async release(job: ScheduledJob, options: { repair?: boolean } = {}): Promise<number | null> {
      const p = partitionOf(job.line, partitions);
      const keys = partitionKeys[p] as QueueKeys;
      const raw = encodeUnsequenced(job);
      const seq = await r.lineupRelease(
        keys.scheduled,
        keys.seq,
        keys.line(job.line),
        keys.ready,
        raw,
        partitions,
        p,
        options.repair ? "1" : "0",
      );
      return seq < 0 ? null : seq;
    },

    /** When the earliest job still scheduled is due (ms), or null when none is. */
    async nextDueAt(): Promise<number | null> {
      const heads = await each((keys) => redis.zrange(keys.scheduled, "0", "0", "WITHSCORES"));
      const due = heads.flatMap((h) => (h[1] === undefined ? [] : [Number(h[1])]));
      return due.length ? Math.min(...due) : null;
    },

    /** Jobs scheduled, over every partition (metrics). */
    async countScheduled(): Promise<number> {
      return (await each((keys) => redis.zcard(keys.scheduled))).reduce((a, b) => a + b, 0);
    },

    /** Indexes (or moves) a schedule's next tick. */
    async scheduleTick(scheduleId: string, dueAt: number): Promise<void> {
      await redis.zadd(first.schedules, dueAt, scheduleId);
    },

    /** Indexes the schedules the index lacks, leaving the ones it has as they are (the reconciler's repair). */
    async restoreTicks(ticks: { id: string; dueAt: number }[]): Promise<void> {
      if (ticks.length) await redis.zadd(first.schedules, "NX", ...ticks.flatMap((t) => [t.dueAt, t.id]));
    },

    /** Takes a schedule out of the index (deleted, or paused). */
    async dropSchedule(scheduleId: string): Promise<void> {
      await redis.zrem(first.schedules, scheduleId);
    },

    /** Schedules whose next tick is due, at most `limit`, earliest first. */
    dueSchedules(now: number, limit: number): Promise<string[]> {
      return redis.zrange(first.schedules, "-inf", String(now), "BYSCORE", "LIMIT", 0, limit);
    },

    /** When the earliest schedule's next tick is due (ms), or null when none is indexed. */
    async nextTickAt(): Promise<number | null> {
      const head = await redis.zrange(first.schedules, "0", "0", "WITHSCORES");
      return head[1] === undefined ? null : Number(head[1]);
    },
  };
}

export type DueTimes = ReturnType<typeof createDueTimes>;
