// The Redis queue over one queue name and its partitions: lines (hand out, give back, recover), the reconciler's
// repairs, and the state the metrics and the operations console read. List operations live only in this package.
import type Redis from "ioredis";
import { createDueTimes } from "./due-times";
import { decodeEnvelope, type Envelope, encodeSequenced } from "./envelope";
import { partitionOf, type QueueKeys, queueKeys } from "./keys";
import { createLines } from "./lines";
import { defineScripts } from "./scripts";
import { readStats } from "./stats";

export type QueueSnapshot = {
  /** Lines whose head waits for a slot. */
  readyLines: number;
  /** Lines whose head waits out a retry backoff. */
  retryingLines: number;
  /** Lines with a job running (heads in live workers' held lists). */
  linesInFlight: number;
  dead: number;
  /** How long the head at the front of ready has waited since it was enqueued (0 when none is ready). */
  oldestReadyAgeSeconds: number;
  workersAlive: number;
  paused: boolean;
};

export type Queue = ReturnType<typeof createQueue>;

export function createQueue(redis: Redis, name: string, options: { partitions?: number } = {}) {
  const partitions = options.partitions ?? 1;
  const partitionKeys: QueueKeys[] = Array.from({ length: partitions }, (_, p) => queueKeys(name, p, partitions));
  // With one partition these are the queue's keys; the queue-wide lock lives in the first partition's slot.
  const keys = partitionKeys[0] as QueueKeys;
  const keysOf = (line: string) => partitionKeys[partitionOf(line, partitions)] as QueueKeys;
  const r = defineScripts(redis);
  const each = <T>(fn: (k: QueueKeys, partition: number) => Promise<T>) =>
    Promise.all(partitionKeys.map((k, p) => fn(k, p)));

  return {
    name,
    keys,
    partitionKeys,
    ...createLines(redis, partitionKeys),
    dueTimes: createDueTimes(redis, partitionKeys),
    /** The queue's counts per minute, from one minute to another (minuteOf), summed over its partitions. */
    stats: (fromMinute: number, toMinute: number) => readStats(redis, partitionKeys, fromMinute, toMinute),

    /**
     * Makes sure each partition's arrival counter is past the highest seq MongoDB has recorded in it, so no seq is
     * handed out twice after Redis lost writes. `floor(p)` is that highest seq (0 if none).
     */
    async raiseSeqFloors(floor: (partition: number) => Promise<number>): Promise<void> {
      await each(async (k, p) => {
        const highest = await floor(p);
        // seq = n * partitions + p: the counter must be at least that n.
        await r.lineupRaiseSeqFloor(k.seq, Math.max(0, Math.floor((highest - p) / partitions)));
      });
    },

    /** Puts jobs Redis lost back into their line at their seq place; returns how many were missing. */
    async restore(line: string, jobs: Envelope[]): Promise<number> {
      if (!jobs.length) return 0;
      const k = keysOf(line);
      return r.lineupRestore(k.line(line), k.ready, ...jobs.map(encodeSequenced));
    },

    /** Pauses or resumes the queue: a paused queue still accepts jobs, and workers take none. */
    async setPaused(paused: boolean): Promise<void> {
      await each(async (k) => {
        if (paused) await redis.set(k.paused, "1");
        else await redis.del(k.paused);
      });
    },

    async isPaused(): Promise<boolean> {
      return (await each((k) => redis.exists(k.paused))).some((n) => n === 1);
    },

    /** The dead set: job ids (or broken envelopes) that failed for good, newest first, with when (ms). */
    async deadEntries(limit = 100): Promise<{ id: string; at: number }[]> {
      const entries: { id: string; at: number }[] = [];
      for (const flat of await each((k) => redis.zrevrange(k.dead, 0, limit - 1, "WITHSCORES"))) {
        for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i] as string, at: Number(flat[i + 1]) });
      }
      return entries.sort((a, b) => b.at - a.at).slice(0, limit);
    },

    /** Forgets dead entries: those of jobs run again, or older than the retention. */
    async forgetDead(options: { ids?: string[]; before?: number }): Promise<number> {
      const removed = await each(async (k) => {
        let n = 0;
        if (options.ids?.length) n += await redis.zrem(k.dead, ...options.ids);
        if (options.before !== undefined) n += await redis.zremrangebyscore(k.dead, "-inf", options.before);
        return n;
      });
      return removed.reduce((a, b) => a + b, 0);
    },

    /** Takes a lock that lapses by itself after ttlMs; false when another holder has it. */
    async lock(what: "reconciling", holder: string, ttlMs: number): Promise<boolean> {
      return (await redis.set(keys[what], holder, "PX", ttlMs, "NX")) === "OK";
    },

    /** The ids of the jobs a line holds (the reconciler's comparison). */
    async lineMembers(line: string): Promise<Set<string>> {
      const ids = new Set<string>();
      for (const raw of await redis.lrange(keysOf(line).line(line), 0, -1)) {
        const id = decodeEnvelope(raw)?.id;
        if (id) ids.add(id);
      }
      return ids;
    },

    /** Every worker the queue knows, with its last heartbeat (ms) and the jobs it holds. */
    async workersDetail(): Promise<{ id: string; lastSeen: number; holding: Envelope[] }[]> {
      const workers = new Map<string, { id: string; lastSeen: number; holding: Envelope[] }>();
      await each(async (k) => {
        const flat = await redis.zrange(k.workers, "0", "-1", "WITHSCORES");
        for (let i = 0; i < flat.length; i += 2) {
          const id = flat[i] as string;
          const worker = workers.get(id) ?? { id, lastSeen: 0, holding: [] };
          worker.lastSeen = Math.max(worker.lastSeen, Number(flat[i + 1]));
          for (const raw of await redis.lrange(k.held(id), 0, -1)) {
            const env = decodeEnvelope(raw);
            if (env) worker.holding.push(env);
          }
          workers.set(id, worker);
        }
      });
      return [...workers.values()].sort((a, b) => a.id.localeCompare(b.id));
    },

    /** Queue state for the metrics gauges: a few O(1) reads per partition, plus one LLEN per live worker. */
    async snapshot(aliveWithinMs: number, now = Date.now()): Promise<QueueSnapshot> {
      const parts = await each(async (k) => {
        const [readyLines, retryingLines, dead, front, alive, paused] = await Promise.all([
          redis.llen(k.ready),
          redis.zcard(k.delayed),
          redis.zcard(k.dead),
          redis.lindex(k.ready, -1),
          redis.zrangebyscore(k.workers, now - aliveWithinMs, "+inf"),
          redis.exists(k.paused),
        ]);
        const held = await Promise.all(alive.map((id) => redis.llen(k.held(id))));
        const enqueuedAt = front ? decodeEnvelope(front)?.enqueuedAt : undefined;
        return {
          readyLines,
          retryingLines,
          dead,
          alive,
          paused,
          inFlight: held.reduce((a, b) => a + b, 0),
          enqueuedAt,
        };
      });
      const sum = (pick: (p: (typeof parts)[number]) => number) => parts.reduce((total, p) => total + pick(p), 0);
      const oldest = Math.min(...parts.map((p) => p.enqueuedAt ?? Number.POSITIVE_INFINITY));
      return {
        readyLines: sum((p) => p.readyLines),
        retryingLines: sum((p) => p.retryingLines),
        linesInFlight: sum((p) => p.inFlight),
        dead: sum((p) => p.dead),
        oldestReadyAgeSeconds: Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : 0,
        workersAlive: new Set(parts.flatMap((p) => p.alive)).size,
        paused: parts.some((p) => p.paused === 1),
      };
    },
  };
}
