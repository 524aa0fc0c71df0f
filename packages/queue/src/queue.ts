// The Redis queue: enqueue, reserve, finish, return, recover, leadership and repair, over one queue name.
// List operations live only here, so per-group ordering can later arrive behind the same interface.
import type Redis from "ioredis";
import { decodeEnvelope, type Envelope, encodeSequenced, encodeUnsequenced } from "./envelope";
import { type QueueKeys, queueKeys } from "./keys";
import { defineScripts, type ScriptedRedis } from "./scripts";

export type QueueSnapshot = {
  pending: number;
  processing: number;
  dead: number;
  oldestPendingAgeSeconds: number;
  workersAlive: number;
};

export type Queue = ReturnType<typeof createQueue>;

export function createQueue(redis: Redis, name: string) {
  const keys: QueueKeys = queueKeys(name);
  const r: ScriptedRedis = defineScripts(redis);

  return {
    name,
    keys,

    /** Assigns seq and pushes the job in one atomic step; returns its seq. */
    async enqueue(job: Omit<Envelope, "seq">): Promise<number> {
      return r.lineupEnqueue(keys.seq, keys.pending, encodeUnsequenced(job));
    },

    /**
     * Blocks up to timeoutSeconds for the next job and moves it atomically into the worker's own
     * processing list (reliable pop). Use a connection of its own: it blocks.
     */
    async reserve(blocking: Redis, workerId: string, timeoutSeconds: number): Promise<string | null> {
      return blocking.blmove(keys.pending, keys.processing(workerId), "RIGHT", "LEFT", timeoutSeconds);
    },

    /** Removes a finished job from the worker's list; with dead=true also pushes it onto the dead list. */
    async finish(workerId: string, raw: string, options: { dead?: boolean; seq?: number } = {}): Promise<void> {
      await r.lineupFinish(
        keys.processing(workerId),
        keys.dead,
        keys.lastFinished,
        raw,
        options.dead ? "1" : "0",
        options.seq ?? 0,
      );
    },

    /** The highest seq finished so far (0 if none). */
    async lastFinishedSeq(): Promise<number> {
      return Number((await redis.get(keys.lastFinished)) ?? 0);
    },

    /** Records that a worker is alive (standbys too), for the workers-alive gauge. */
    async heartbeat(workerId: string, now = Date.now()): Promise<void> {
      await redis.zadd(keys.workers, now, workerId);
    },

    /** Queue state for the metrics gauges: a handful of O(1) reads, plus one LLEN per known worker. */
    async snapshot(aliveWithinMs: number, now = Date.now()): Promise<QueueSnapshot> {
      const [pending, dead, head, alive, workerIds] = await Promise.all([
        redis.llen(keys.pending),
        redis.llen(keys.dead),
        redis.lindex(keys.pending, -1),
        redis.zcount(keys.workers, now - aliveWithinMs, "+inf"),
        redis.zrange(keys.workers, "0", "-1"),
      ]);
      const held = await Promise.all(workerIds.map((id) => redis.llen(keys.processing(id))));
      const enqueuedAt = head ? decodeEnvelope(head)?.enqueuedAt : undefined;
      return {
        pending,
        processing: held.reduce((a, b) => a + b, 0),
        dead,
        oldestPendingAgeSeconds: enqueuedAt ? Math.max(0, (now - enqueuedAt) / 1000) : 0,
        workersAlive: alive,
      };
    },

    /** Puts a held job back at the head of pending so it runs next. */
    async returnToHead(workerId: string, raw: string): Promise<boolean> {
      return (await r.lineupReturnToHead(keys.processing(workerId), keys.pending, raw)) === 1;
    },

    /** Moves a worker's processing list back to the head of pending. olderThanMs: only if its heartbeat is older. */
    async recover(workerId: string, heartbeatAtMost: number | "+inf" = "+inf"): Promise<number> {
      return r.lineupRecover(
        keys.processing(workerId),
        keys.pending,
        keys.workers,
        keys.workerClients,
        workerId,
        String(heartbeatAtMost),
      );
    },

    /** Takes or renews the active lease (and records a heartbeat); false when another worker holds it. */
    async claimActive(workerId: string, leaseMs: number, now = Date.now()): Promise<boolean> {
      return (await r.lineupClaimActive(keys.active, keys.workers, workerId, leaseMs, now)) === 1;
    },

    async releaseActive(workerId: string): Promise<void> {
      await r.lineupReleaseActive(keys.active, workerId);
    },

    /** Records which Redis client blocks for this worker, so a takeover can cut a stale one off. */
    async registerBlockingClient(workerId: string, clientId: number): Promise<void> {
      await redis.hset(keys.workerClients, workerId, String(clientId));
    },

    /** Every other worker known to this queue (by heartbeat or by a registered blocking connection). */
    async otherWorkers(workerId: string): Promise<{ id: string; clientId?: number }[]> {
      const [beating, clients] = await Promise.all([
        redis.zrange(keys.workers, "0", "-1"),
        redis.hgetall(keys.workerClients),
      ]);
      const ids = new Set([...beating, ...Object.keys(clients)]);
      ids.delete(workerId);
      return [...ids].map((id) => ({ id, clientId: clients[id] ? Number(clients[id]) : undefined }));
    },

    async raiseSeqFloor(floor: number): Promise<number> {
      return r.lineupRaiseSeqFloor(keys.seq, floor);
    },

    /** Puts lost jobs back into pending at their seq position. */
    async restore(jobs: Envelope[]): Promise<void> {
      if (jobs.length) await r.lineupRestore(keys.pending, ...jobs.map(encodeSequenced));
    },

    /** Raw envelopes in pending and every processing list (for the reconciler's comparison). */
    async *heldEnvelopes(batch = 10_000): AsyncGenerator<string[]> {
      const lists = [keys.pending];
      for await (const found of redis.scanStream({ match: keys.processing("*"), count: 100 })) {
        lists.push(...(found as string[]));
      }
      for (const list of lists) {
        for (let start = 0; ; start += batch) {
          const items = await redis.lrange(list, start, start + batch - 1);
          if (items.length) yield items;
          if (items.length < batch) break;
        }
      }
    },
  };
}
