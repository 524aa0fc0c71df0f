// How lines are handed out and given back: the one module to read for order, fairness and recovery.
//  - Order: a line is a Redis list in seq order. Only its head is ever out: in ready, in the delayed set (waiting
//    out a retry), or in one worker's held list. The head leaves its line only when its job has ended.
//  - Fairness: ready is a round-robin of line heads. A line whose job ended rejoins at the back, so a line with
//    10,000 jobs and a line with one take turns. With several partitions, a worker takes from them in turn.
//  - Recovery: the heads a dead worker held go back to the front of ready; their lines never lost them.
//  - A job's first run: a job enqueued with what its run needs in its envelope is run on its first take without
//    recording its start first (a quick run; lua/run-mode.lua). Later takes run it from its record.
//  - Control: a stopped line (paused, or halted by a job that failed for good) keeps its jobs; a slot that takes its
//    head parks it apart (admit.lua) until the line is resumed (resume-line.lua), so nothing of it runs meanwhile.
// Every transition is one Lua script (lua/*.lua), so a crash between two commands cannot split it. A line lives in
// one partition (keys.ts: partitionOf), and every script touches one partition's keys only.
import type Redis from "ioredis";
import { decodeEnvelope, type Envelope, encodeSequenced, encodeUnsequenced } from "./envelope";
import { partitionOf, type QueueKeys } from "./keys";
import { defineScripts, type RunMode } from "./scripts";
import { minuteOf, STATS_TTL_SECONDS, statsField } from "./stats";

/** How a job ended, for the minute's stats: its outcome, and how long it waited before its first attempt. */
export type Ending = { outcome: "succeeded" | "failed"; waitMs?: number };

export type Completion = {
  /** False when the worker no longer held the job: a recovery had handed it to another worker. */
  held: boolean;
  /** The next job this worker runs, taken in the same step, or null. */
  next: string | null;
  /** How the next job runs (with next). */
  mode: RunMode;
  /** The line's next job has a lower seq than the one that ended: it starts out of order. */
  late: boolean;
};

export function createLines(redis: Redis, partitionKeys: readonly QueueKeys[]) {
  const r = defineScripts(redis);
  const partitions = partitionKeys.length;
  const all = [...partitionKeys.keys()];
  const keysOf = (line: string) => partitionKeys[partitionOf(line, partitions)] as QueueKeys;
  // A job's line is in its envelope. An envelope too broken to name one belongs to no line we know of.
  const lineOfRaw = (raw: string) => decodeEnvelope(raw)?.line ?? "unknown";
  const keysOfRaw = (raw: string) => keysOf(lineOfRaw(raw));
  const each = <T>(fn: (keys: QueueKeys, partition: number) => Promise<T>) =>
    Promise.all(partitionKeys.map((keys, p) => fn(keys, p)));

  return {
    partitions,

    /** Assigns seq and appends the job to its line in one atomic step; returns its seq. */
    enqueue(job: Omit<Envelope, "seq">): Promise<number> {
      const p = partitionOf(job.line, partitions);
      const keys = partitionKeys[p] as QueueKeys;
      return r.lineupEnqueue(keys.seq, keys.line(job.line), keys.ready, encodeUnsequenced(job), partitions, p);
    },

    /**
     * Enqueues jobs with one atomic step per partition they fall in (enqueue-batch.lua): within a partition they take
     * consecutive seqs in the order given, so the jobs of one line keep that order. Returns each job's seq. With one
     * partition (the default) the whole batch is one step; with several, the parts are sent at once and one of them
     * can fail while others took: the caller withdraws the batch then.
     */
    async enqueueBatch(jobs: Omit<Envelope, "seq">[]): Promise<number[]> {
      const seqs: number[] = new Array(jobs.length);
      const byPartition = new Map<number, number[]>();
      for (const [i, job] of jobs.entries()) {
        const p = partitionOf(job.line, partitions);
        byPartition.set(p, [...(byPartition.get(p) ?? []), i]);
      }
      await Promise.all(
        [...byPartition].map(async ([p, indexes]) => {
          const keys = partitionKeys[p] as QueueKeys;
          // Each line's key once, after the seq counter and ready: KEYS[3], KEYS[4], ...
          const keyIndex = new Map<string, number>();
          for (const i of indexes) {
            const line = (jobs[i] as Omit<Envelope, "seq">).line;
            if (!keyIndex.has(line)) keyIndex.set(line, keyIndex.size + 3);
          }
          const lineKeys = [...keyIndex.keys()].map((line) => keys.line(line));
          const args = indexes.flatMap((i) => {
            const job = jobs[i] as Omit<Envelope, "seq">;
            return [keyIndex.get(job.line) as number, encodeUnsequenced(job)];
          });
          const first = await r.lineupEnqueueBatch(
            2 + lineKeys.length,
            keys.seq,
            keys.ready,
            ...lineKeys,
            partitions,
            p,
            ...args,
          );
          for (const [k, i] of indexes.entries()) seqs[i] = (first + k) * partitions + p;
        }),
      );
      return seqs;
    },

    /**
     * Blocks up to timeoutSeconds for the line head at the front of a partition's ready list and moves it atomically
     * into the worker's held list (reliable pop). Use a connection of its own: it blocks.
     */
    take(blocking: Redis, workerId: string, timeoutSeconds: number, partition = 0): Promise<string | null> {
      const keys = partitionKeys[partition] as QueueKeys;
      return blocking.blmove(keys.ready, keys.held(workerId), "RIGHT", "LEFT", timeoutSeconds);
    },

    /** The same without waiting: the front of a partition's ready list, or null when nothing is ready there. */
    takeNow(workerId: string, partition: number): Promise<string | null> {
      const keys = partitionKeys[partition] as QueueKeys;
      return redis.lmove(keys.ready, keys.held(workerId), "RIGHT", "LEFT");
    },

    /**
     * The job ended for good: its line moves on. With takeNext, the worker's next job comes back in the same step
     * (from the same partition).
     */
    async complete(
      workerId: string,
      raw: string,
      options: { dead?: boolean; takeNext?: boolean; halt?: boolean; stats?: Ending } = {},
    ): Promise<Completion> {
      const keys = keysOfRaw(raw);
      const line = lineOfRaw(raw);
      const [held, next, late, mode] = await r.lineupComplete(
        keys.held(workerId),
        keys.line(line),
        keys.ready,
        keys.dead,
        keys.paused,
        keys.stopped,
        keys.parked,
        keys.stats(minuteOf(Date.now())),
        keys.quick,
        raw,
        options.dead ? "1" : "0",
        options.takeNext ? "1" : "0",
        options.halt ? "1" : "0",
        line,
        options.stats ? statsField(options.stats.outcome, options.stats.waitMs) : "",
        STATS_TTL_SECONDS,
      );
      return { held: held === 1, next: next || null, late: late === 1, mode: mode || "record" };
    },

    /**
     * A head a slot took with a blocking take may run unless the queue is paused (it goes back to the front of ready)
     * or its line is stopped (it is parked until the line is resumed). When it may, the answer says how it runs.
     */
    admit(workerId: string, raw: string): Promise<RunMode | "paused" | "parked" | "gone"> {
      const keys = keysOfRaw(raw);
      return r.lineupAdmit(
        keys.held(workerId),
        keys.ready,
        keys.paused,
        keys.stopped,
        keys.parked,
        keys.quick,
        raw,
        lineOfRaw(raw),
      );
    },

    /** Stops a line (pause or halt): its running job finishes, no further job of it starts. */
    async stopLine(line: string): Promise<void> {
      await redis.sadd(keysOf(line).stopped, line);
    },

    /**
     * Runs a stopped line again. After a halt, `failed` is the envelope of the job that halted it: "retry" runs it
     * again first, "skip" leaves it out and the line goes on.
     */
    async resumeLine(line: string, how: { mode: "resume" } | { mode: "retry" | "skip"; failed: Envelope }) {
      const keys = keysOf(line);
      const failed = how.mode === "resume" ? "" : encodeSequenced(how.failed);
      const id = how.mode === "resume" ? "" : how.failed.id;
      await r.lineupResumeLine(
        keys.stopped,
        keys.parked,
        keys.line(line),
        keys.ready,
        keys.dead,
        keys.quick,
        line,
        how.mode,
        id,
        failed,
      );
    },

    /** The stopped lines of every partition (the reconciler compares them with MongoDB's record). */
    async stoppedLines(): Promise<Set<string>> {
      return new Set((await each((keys) => redis.smembers(keys.stopped))).flat());
    },

    /**
     * A failed attempt waits out its backoff in the delayed set; its line waits with it. With `failedAttempt`, the
     * minute's stats count a retry (a recheck of a job not yet runnable is none).
     */
    async defer(workerId: string, raw: string, dueAtMs: number, failedAttempt = true): Promise<boolean> {
      const keys = keysOfRaw(raw);
      const stats = keys.stats(minuteOf(Date.now()));
      const counted = failedAttempt ? "1" : "0";
      return (
        (await r.lineupDefer(
          keys.held(workerId),
          keys.delayed,
          stats,
          keys.quick,
          raw,
          dueAtMs,
          counted,
          STATS_TTL_SECONDS,
        )) === 1
      );
    },

    /**
     * Shutdown: the job goes back unfinished to the front of ready, to run next. `ran: false` for a job that never
     * reached a slot (a take whose reply was lost): a quick run of it never began, so none is counted.
     */
    async giveBack(workerId: string, raw: string, options: { ran: boolean } = { ran: true }): Promise<boolean> {
      const keys = keysOfRaw(raw);
      const ran = options.ran ? "1" : "0";
      return (await r.lineupGiveBack(keys.held(workerId), keys.ready, keys.quick, raw, ran)) === 1;
    },

    /**
     * Before an owner's cancel of a queued job: false when a slot runs it already (a quick run, not on record yet).
     * Otherwise no take from now on runs it without recording its start first, so the record decides.
     */
    async fenceCancel(line: string, jobId: string): Promise<boolean> {
      const keys = keysOf(line);
      return (await r.lineupFenceCancel(keys.quick, jobId)) === 1;
    },

    /** A job waiting out a backoff goes to the front of ready now (it was canceled); false if it was not waiting. */
    async wake(jobId: string): Promise<boolean> {
      return (await each((keys) => r.lineupWake(keys.delayed, keys.ready, jobId))).some((moved) => moved === 1);
    },

    /** Moves heads whose backoff is over to the front of ready; says when the next one is due (ms) or null. */
    async promoteDue(now = Date.now(), limit = 100): Promise<{ moved: number; nextDueAt: number | null }> {
      const results = await each((keys) => r.lineupPromote(keys.delayed, keys.ready, now, limit));
      const due = results.map(([, next]) => next).filter((next) => next >= 0);
      return {
        moved: results.reduce((sum, [moved]) => sum + moved, 0),
        nextDueAt: due.length ? Math.min(...due) : null,
      };
    },

    /**
     * A worker process starts: it takes its id over and puts back what an earlier process with the id still held.
     * Returns the number put back.
     */
    async register(workerId: string, instance: string): Promise<number> {
      const moved = await each((keys) =>
        r.lineupRegisterWorker(keys.workers, keys.instances, keys.held(workerId), keys.ready, workerId, instance),
      );
      return moved.reduce((a, b) => a + b, 0);
    },

    /**
     * Says the worker is alive and whether the queue is paused. `alive` is false when this process lost its id
     * (presumed dead, or another process started with it): it must stop.
     */
    async heartbeat(workerId: string, instance: string): Promise<{ alive: boolean; paused: boolean }> {
      const beats = await each((keys) =>
        r.lineupHeartbeat(keys.workers, keys.instances, keys.paused, workerId, instance),
      );
      return { alive: beats.every(([alive]) => alive === 1), paused: beats.some(([, paused]) => paused === 1) };
    },

    /**
     * Puts a dead worker's heads back at the front of ready and forgets it. Returns how many, or null if the worker
     * is alive after all. `force` is for a worker's own clean shutdown.
     */
    async recover(workerId: string, leaseMs: number, force = false): Promise<number | null> {
      const moved = await each((keys) =>
        r.lineupRecover(
          keys.workers,
          keys.instances,
          keys.held(workerId),
          keys.ready,
          workerId,
          leaseMs,
          force ? "1" : "0",
        ),
      );
      return moved.every((m) => m < 0) ? null : moved.filter((m) => m > 0).reduce((a, b) => a + b, 0);
    },

    /** Workers whose last heartbeat is older than the lease, by this process's clock (recover re-checks by Redis's). */
    async staleWorkers(leaseMs: number, now = Date.now()): Promise<string[]> {
      const ids = await each((keys) => redis.zrangebyscore(keys.workers, "-inf", now - leaseMs));
      return [...new Set(ids.flat())];
    },

    /** What a worker's held lists hold. */
    async heldBy(workerId: string): Promise<string[]> {
      return (await each((keys) => redis.lrange(keys.held(workerId), 0, -1))).flat();
    },

    /** Workers whose heartbeat is within the lease. */
    async liveWorkers(leaseMs: number, now = Date.now()): Promise<string[]> {
      const ids = await each((keys) => redis.zrangebyscore(keys.workers, now - leaseMs, "+inf"));
      return [...new Set(ids.flat())];
    },

    /** The partitions in the order a worker should try them, starting after the one it tried last. */
    rotation(after: number): number[] {
      return all.map((_, i) => (after + 1 + i) % partitions);
    },
  };
}

export type Lines = ReturnType<typeof createLines>;
