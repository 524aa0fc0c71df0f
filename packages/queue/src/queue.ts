// The Redis queue over one queue name: lines (hand out, give back, recover), the reconciler's repairs, and the
// state the metrics read. List operations live only in this package.
import type Redis from "ioredis";
import { decodeEnvelope, type Envelope, encodeSequenced } from "./envelope";
import { type QueueKeys, queueKeys } from "./keys";
import { createLines } from "./lines";
import { defineScripts } from "./scripts";

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

export function createQueue(redis: Redis, name: string) {
  const keys: QueueKeys = queueKeys(name);
  const r = defineScripts(redis);

  return {
    name,
    keys,
    ...createLines(redis, keys),

    /** Makes sure the arrival counter is at least MongoDB's highest seq, so no seq is handed out twice. */
    raiseSeqFloor(floor: number): Promise<number> {
      return r.lineupRaiseSeqFloor(keys.seq, floor);
    },

    /** Puts jobs Redis lost back into their line at their seq place; returns how many were missing. */
    async restore(line: string, jobs: Envelope[]): Promise<number> {
      if (!jobs.length) return 0;
      return r.lineupRestore(keys.line(line), keys.ready, ...jobs.map(encodeSequenced));
    },

    /** Pauses or resumes the queue: a paused queue still accepts jobs, and workers take none. */
    async setPaused(paused: boolean): Promise<void> {
      if (paused) await redis.set(keys.paused, "1");
      else await redis.del(keys.paused);
    },

    async isPaused(): Promise<boolean> {
      return (await redis.exists(keys.paused)) === 1;
    },

    /** The dead set: job ids (or broken envelopes) that failed for good, newest first, with when (ms). */
    async deadEntries(limit = 100): Promise<{ id: string; at: number }[]> {
      const flat = await redis.zrevrange(keys.dead, 0, limit - 1, "WITHSCORES");
      const entries: { id: string; at: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i] as string, at: Number(flat[i + 1]) });
      return entries;
    },

    /** Forgets dead entries: those of jobs run again, or older than the retention. */
    async forgetDead(options: { ids?: string[]; before?: number }): Promise<number> {
      let removed = 0;
      if (options.ids?.length) removed += await redis.zrem(keys.dead, ...options.ids);
      if (options.before !== undefined) removed += await redis.zremrangebyscore(keys.dead, "-inf", options.before);
      return removed;
    },

    /** Takes a lock that lapses by itself after ttlMs; false when another holder has it. */
    async lock(what: "reconciling", holder: string, ttlMs: number): Promise<boolean> {
      return (await redis.set(keys[what], holder, "PX", ttlMs, "NX")) === "OK";
    },

    /** The ids of the jobs a line holds (the reconciler's comparison). */
    async lineMembers(line: string): Promise<Set<string>> {
      const ids = new Set<string>();
      for (const raw of await redis.lrange(keys.line(line), 0, -1)) {
        const id = decodeEnvelope(raw)?.id;
        if (id) ids.add(id);
      }
      return ids;
    },

    /** Every worker the queue knows, with its last heartbeat (ms) and the jobs it holds. */
    async workersDetail(): Promise<{ id: string; lastSeen: number; holding: Envelope[] }[]> {
      const flat = await redis.zrange(keys.workers, "0", "-1", "WITHSCORES");
      const workers: { id: string; lastSeen: number; holding: Envelope[] }[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const id = flat[i] as string;
        const held = await redis.lrange(keys.held(id), 0, -1);
        const holding = held.map(decodeEnvelope).filter((e): e is Envelope => e !== null);
        workers.push({ id, lastSeen: Number(flat[i + 1]), holding });
      }
      return workers;
    },

    /** Queue state for the metrics gauges: a few O(1) reads, plus one LLEN per live worker. */
    async snapshot(aliveWithinMs: number, now = Date.now()): Promise<QueueSnapshot> {
      const [readyLines, retryingLines, dead, front, alive, paused] = await Promise.all([
        redis.llen(keys.ready),
        redis.zcard(keys.delayed),
        redis.zcard(keys.dead),
        redis.lindex(keys.ready, -1),
        redis.zrangebyscore(keys.workers, now - aliveWithinMs, "+inf"),
        redis.exists(keys.paused),
      ]);
      const held = await Promise.all(alive.map((id) => redis.llen(keys.held(id))));
      const enqueuedAt = front ? decodeEnvelope(front)?.enqueuedAt : undefined;
      return {
        readyLines,
        retryingLines,
        linesInFlight: held.reduce((a, b) => a + b, 0),
        dead,
        oldestReadyAgeSeconds: enqueuedAt ? Math.max(0, (now - enqueuedAt) / 1000) : 0,
        workersAlive: alive.length,
        paused: paused === 1,
      };
    },
  };
}
