// How lines are handed out and given back: the one module to read for order, fairness and recovery.
//  - Order: a line is a Redis list in seq order. Only its head is ever out: in ready, in the delayed set (waiting
//    out a retry), or in one worker's held list. The head leaves its line only when its job has ended.
//  - Fairness: ready is a round-robin of line heads. A line whose job ended rejoins at the back, so a line with
//    10,000 jobs and a line with one take turns.
//  - Recovery: the heads a dead worker held go back to the front of ready; their lines never lost them.
// Every transition is one Lua script (lua/*.lua), so a crash between two commands cannot split it.
import type Redis from "ioredis";
import { decodeEnvelope, type Envelope, encodeUnsequenced } from "./envelope";
import type { QueueKeys } from "./keys";
import { defineScripts } from "./scripts";

export type Completion = {
  /** False when the worker no longer held the job: a recovery had handed it to another worker. */
  held: boolean;
  /** The next job this worker runs, taken in the same step, or null. */
  next: string | null;
  /** The line's next job has a lower seq than the one that ended: it starts out of order. */
  late: boolean;
};

export function createLines(redis: Redis, keys: QueueKeys) {
  const r = defineScripts(redis);
  // A job's line is in its envelope. An envelope too broken to name one belongs to no line we know of.
  const lineKey = (raw: string) => keys.line(decodeEnvelope(raw)?.line ?? "unknown");

  return {
    /** Assigns seq and appends the job to its line in one atomic step; returns its seq. */
    enqueue(job: Omit<Envelope, "seq">): Promise<number> {
      return r.lineupEnqueue(keys.seq, keys.line(job.line), keys.ready, encodeUnsequenced(job));
    },

    /**
     * Enqueues jobs in one atomic step (enqueue-batch.lua): they take consecutive seqs in the order given, so the
     * jobs of one line keep that order. Returns each job's seq.
     */
    async enqueueBatch(jobs: Omit<Envelope, "seq">[]): Promise<number[]> {
      if (!jobs.length) return [];
      // Each line's key once, after the seq counter and ready: KEYS[3], KEYS[4], ...
      const keyIndex = new Map<string, number>();
      for (const job of jobs) if (!keyIndex.has(job.line)) keyIndex.set(job.line, keyIndex.size + 3);
      const lineKeys = [...keyIndex.keys()].map((line) => keys.line(line));
      const args = jobs.flatMap((job) => [keyIndex.get(job.line) as number, encodeUnsequenced(job)]);
      const first = await r.lineupEnqueueBatch(2 + lineKeys.length, keys.seq, keys.ready, ...lineKeys, ...args);
      return jobs.map((_, i) => first + i);
    },

    /**
     * Blocks up to timeoutSeconds for the line head at the front of ready and moves it atomically into the
     * worker's held list (reliable pop). Use a connection of its own: it blocks.
     */
    take(blocking: Redis, workerId: string, timeoutSeconds: number): Promise<string | null> {
      return blocking.blmove(keys.ready, keys.held(workerId), "RIGHT", "LEFT", timeoutSeconds);
    },

    /** The job ended for good: its line moves on. With takeNext, the worker's next job comes back in the same step. */
    async complete(
      workerId: string,
      raw: string,
      options: { dead?: boolean; takeNext?: boolean } = {},
    ): Promise<Completion> {
      const [held, next, late] = await r.lineupComplete(
        keys.held(workerId),
        lineKey(raw),
        keys.ready,
        keys.dead,
        raw,
        options.dead ? "1" : "0",
        options.takeNext ? "1" : "0",
      );
      return { held: held === 1, next: next || null, late: late === 1 };
    },

    /** A failed attempt waits out its backoff in the delayed set; its line waits with it. */
    async defer(workerId: string, raw: string, dueAtMs: number): Promise<boolean> {
      return (await r.lineupDefer(keys.held(workerId), keys.delayed, raw, dueAtMs)) === 1;
    },

    /** Shutdown: the job goes back unfinished to the front of ready, to run next. */
    async giveBack(workerId: string, raw: string): Promise<boolean> {
      return (await r.lineupGiveBack(keys.held(workerId), keys.ready, raw)) === 1;
    },

    /** Moves heads whose backoff is over to the front of ready; says when the next one is due (ms) or null. */
    async promoteDue(now = Date.now(), limit = 100): Promise<{ moved: number; nextDueAt: number | null }> {
      const [moved, nextDueAt] = await r.lineupPromote(keys.delayed, keys.ready, now, limit);
      return { moved, nextDueAt: nextDueAt < 0 ? null : nextDueAt };
    },

    /**
     * A worker process starts: it takes its id over and puts back what an earlier process with the id still held.
     * Returns the number put back.
     */
    register(workerId: string, instance: string): Promise<number> {
      return r.lineupRegisterWorker(keys.workers, keys.instances, keys.held(workerId), keys.ready, workerId, instance);
    },

    /** False when this process lost its id (presumed dead, or another process started with it): it must stop. */
    async heartbeat(workerId: string, instance: string): Promise<boolean> {
      return (await r.lineupHeartbeat(keys.workers, keys.instances, workerId, instance)) === 1;
    },

    /**
     * Puts a dead worker's heads back at the front of ready and forgets it. Returns how many, or null if the worker
     * is alive after all. `force` is for a worker's own clean shutdown.
     */
    async recover(workerId: string, leaseMs: number, force = false): Promise<number | null> {
      const moved = await r.lineupRecover(
        keys.workers,
        keys.instances,
        keys.held(workerId),
        keys.ready,
        workerId,
        leaseMs,
        force ? "1" : "0",
      );
      return moved < 0 ? null : moved;
    },

    /** Workers whose last heartbeat is older than the lease, by this process's clock (recover re-checks by Redis's). */
    staleWorkers(leaseMs: number, now = Date.now()): Promise<string[]> {
      return redis.zrangebyscore(keys.workers, "-inf", now - leaseMs);
    },

    /** What a worker's held list holds. */
    heldBy(workerId: string): Promise<string[]> {
      return redis.lrange(keys.held(workerId), 0, -1);
    },

    /** Workers whose heartbeat is within the lease. */
    liveWorkers(leaseMs: number, now = Date.now()): Promise<string[]> {
      return redis.zrangebyscore(keys.workers, now - leaseMs, "+inf");
    },
  };
}

export type Lines = ReturnType<typeof createLines>;
