// The worker: WORKER_CONCURRENCY slots, each running one job at a time from whichever line is at the front of ready.
// A slot that finishes a job hands the line on and takes its next job in the same Redis step; idle slots wait on
// one blocking take. Every worker is active: lines run in parallel across all workers' slots.
// stop() lets each slot finish its job within the grace period or gives the job back to the head of its line.
import type { DefaultGroup, OnFailure } from "@lineup/jobs";
import type { WorkerStateMetrics } from "@lineup/metrics";
import { decodeEnvelope, type Queue, type RunMode } from "@lineup/queue";
import type Redis from "ioredis";
import { createHousekeeping } from "./housekeeping";
import { createJobWrites } from "./job-writes";
import type { Notifier } from "./notifier";
import { persist, sleep } from "./persist";
import { type ProcessDeps, processEnvelope, type Settlement } from "./process-job";
import { createWatchdog, type Stall } from "./watchdog";

export type WorkerDeps = Omit<ProcessDeps, "abort" | "writes" | "notify" | "queueName"> & {
  queue: Queue;
  /** Announces the jobs' state changes. */
  notifier: Notifier;
  /** Called when a job's final state made its webhook due (wakes the deliveries). */
  callbackDue: () => void;
  /** Slots, busy and total. */
  state: WorkerStateMetrics;
  /** Commands. */
  redis: Redis;
  /** Its own connection: the blocking take blocks it. */
  blocking: Redis;
  concurrency: number;
  /** A worker silent this long is presumed dead: its jobs go back to the head of their lines. */
  leaseMs: number;
  reconcileIntervalMs: number;
  reconcileGraceMs: number;
  shutdownGraceMs: number;
  /** A slot's step this far past its bound makes the worker stalled (WORKER_STALL_MS). */
  stallMs: number;
  /** The line of jobs without a group, for the jobs schedules make (DEFAULT_GROUP). */
  defaultGroup: DefaultGroup;
  /** What a job's final failure does to its line when it does not say (DEFAULT_ON_FAILURE). */
  defaultOnFailure: OnFailure;
};

// A blocking take waits at most this long on the server (Sidekiq and Faktory use 2 s too): short enough that an idle
// slot notices shutdown quickly, and far inside the lease, so a dead worker's last take is over long before anyone
// recovers its jobs.
const TAKE_TIMEOUT_SECONDS = 2;

/**
 * Options for the worker's Redis connections. Every command settles, whatever happens to the connection:
 * - one in flight when the connection drops fails at once (`maxRetriesPerRequest: 0` has ioredis reject everything
 *   it sent on the closed connection; with `null` and no resend it dropped them unsettled, and a blocking take or a
 *   complete then waited for ever, stalling every slot behind it);
 * - a server that stops answering (paused, partitioned) is treated as a drop: after `socketTimeout` with a reply due
 *   and none arriving, the socket is destroyed, so the same rule settles its commands. It is longer than a blocking
 *   take, which legitimately waits that long for its answer.
 * A command is never queued while Redis is away nor sent again after a reconnection: a take or a complete decided
 * before Redis restarted (perhaps with its last writes lost) must not run after it, before the reconciler has put
 * back what was lost. Failed commands are retried by the worker itself.
 */
export const WORKER_REDIS_OPTIONS = {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  socketTimeout: TAKE_TIMEOUT_SECONDS * 1000 + 3_000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
} as const;

// With partitions, an idle slot waits on one at a time: briefly, so jobs in the others are not kept waiting.
const PARTITION_WAIT_SECONDS = 0.25;
// A slot goes on with jobs of one partition at most this many times before it takes its turn round the others.
const CHAIN_LIMIT = 8;
// How far the api's clock (an envelope's enqueuedAt) may run ahead of this worker's.
const CLOCK_SKEW_MS = 10_000;

/** A job a slot took, and how Redis said it runs. */
type Taken = { raw: string; mode: RunMode };

export function createWorker(deps: WorkerDeps) {
  const { queue, workerId, log } = deps;
  const stopping = new AbortController();
  const graceOver = new AbortController();
  const notify = deps.notifier.publish;
  const writes = createJobWrites(deps.db, { notify, callbackDue: deps.callbackDue });
  const processDeps: ProcessDeps = { ...deps, queueName: queue.name, writes, notify, abort: graceOver.signal };
  // The envelopes the slots hold right now; anything else in our held list was taken but never reached a slot.
  const inHand = new Set<string>();
  // The running jobs by id, each with the switch that stops its handler when an admin cancels it.
  const running = new Map<string, AbortController>();
  let lostId = false;
  const watchdog = createWatchdog({
    stallMs: deps.stallMs,
    jobTimeoutMs: deps.jobTimeoutMs,
    takeTimeoutMs: TAKE_TIMEOUT_SECONDS * 1000,
  });
  const house = createHousekeeping({
    ...deps,
    notify,
    watchdog,
    stopped: stopping.signal,
    inHand,
    running,
    onLostId: () => {
      lostId = true;
      void worker.stop();
    },
  });
  const offline = () => deps.redis.status !== "ready" || deps.blocking.status !== "ready";
  let busy = 0;
  let taking: Promise<unknown> = Promise.resolve();
  let loops: Promise<void>[] = [];

  const mayTake = () => !stopping.signal.aborted && house.mayTake();
  const setBusy = (delta: number) => {
    busy += delta;
    deps.state.slotsBusy.set(busy);
  };

  /** Waits for a job for an idle slot: one blocking take at a time on the blocking connection. */
  async function next(): Promise<Taken | null> {
    while (!stopping.signal.aborted) {
      if (!mayTake()) {
        await sleep(100, stopping.signal);
        continue;
      }
      const turn = taking.then(() =>
        watchdog.watch("take", async () => {
          if (!mayTake()) return null;
          await house.promoteIfDue();
          const raw = await takeAny();
          if (!raw) return null;
          // The queue was paused while we waited (the head went back untouched, to the front), or the head's line is
          // stopped (it is parked until the line resumes): either way, nothing to run.
          const admitted = await queue.admit(workerId, raw);
          if (admitted === "paused") house.notePaused();
          if (admitted === "paused" || admitted === "parked" || admitted === "gone") return null;
          return { raw, mode: admitted };
        }),
      );
      taking = turn.catch(() => {});
      try {
        const taken = await turn;
        if (taken) return taken;
      } catch (err) {
        if (stopping.signal.aborted) break;
        log.warn("could not take a job; retrying", { error: (err as Error).message });
        await sleep(1_000, stopping.signal);
      }
    }
    return null;
  }

  /**
   * One partition: wait on it. Several: try each in turn without waiting, starting after the one tried last (that is
   * the fairness between partitions), then wait briefly on the next one; a job arriving in another partition meanwhile
   * is found on the next round.
   */
  let lastPartition = -1;
  async function takeAny(): Promise<string | null> {
    if (queue.partitions === 1) {
      return queue.take(deps.blocking, workerId, house.takeTimeoutSeconds(TAKE_TIMEOUT_SECONDS));
    }
    for (const p of queue.rotation(lastPartition)) {
      lastPartition = p;
      const raw = await queue.takeNow(workerId, p);
      if (raw) return raw;
    }
    lastPartition = (lastPartition + 1) % queue.partitions;
    return queue.take(deps.blocking, workerId, house.takeTimeoutSeconds(PARTITION_WAIT_SECONDS), lastPartition);
  }

  /** Tells Redis how the job left this slot; returns the slot's next job when the same step took one. */
  async function settle(raw: string, settlement: Settlement, mayChain: boolean): Promise<Taken | null> {
    // The id, and with it the held list, belongs to another process now: touching it could take its jobs.
    if (lostId) return null;
    const opts = { log, stopped: graceOver.signal, offline };
    if (settlement.kind === "retry") {
      await persist(
        "defer",
        () => queue.defer(workerId, raw, settlement.dueAt, settlement.failedAttempt !== false),
        opts,
      );
      house.dueAt(settlement.dueAt);
      return null;
    }
    if (settlement.kind === "giveBack") {
      await persist("give back", () => queue.giveBack(workerId, raw), opts);
      return null;
    }
    const done = await persist(
      "complete",
      () =>
        queue.complete(workerId, raw, {
          dead: settlement.dead,
          halt: settlement.halt,
          takeNext: mayChain && mayTake(),
          stats: settlement.stats,
        }),
      opts,
    );
    if (done.late) {
      deps.metrics.outOfOrder.inc();
      log.error("a job starts after a later job of its line", { envelope: raw.slice(0, 200) });
    }
    return done.next ? { raw: done.next, mode: done.mode } : null;
  }

  async function slot(): Promise<void> {
    while (!stopping.signal.aborted) {
      let taken: Taken | null = await next();
      if (!taken) break;
      let raw: string | undefined = taken.raw;
      setBusy(1);
      try {
        // A job in hand is always settled before the slot takes another, or its line would stall.
        for (let chained = 0; taken; chained++) {
          const settled: string = taken.raw;
          raw = settled;
          inHand.add(settled);
          const env = decodeEnvelope(settled);
          const id = env?.id;
          // Enqueued before Redis last changed under us (a restart, a failover), a job may have run quick already and
          // Redis lost its count with its last writes: it runs from its record, which says whether it ended.
          const rewound = env !== null && env.enqueuedAt <= house.redisChangedAt() + CLOCK_SKEW_MS;
          const mode: RunMode = taken.mode === "quick" && rewound ? "record" : taken.mode;
          const cancel = new AbortController();
          if (id) running.set(id, cancel);
          const mayChain = queue.partitions === 1 || chained < CHAIN_LIMIT;
          const settlement: Settlement = await watchdog.watch("run", () =>
            processEnvelope(processDeps, settled, mode, cancel.signal),
          );
          taken = await watchdog.watch("settle", (): Promise<Taken | null> => settle(settled, settlement, mayChain));
          raw = taken?.raw;
          if (id) running.delete(id);
          inHand.delete(settled);
        }
      } catch (err) {
        // Stopping with the stores away: the job stays in our held list, and our next start (or another worker, once
        // our heartbeat is old) puts it back at the head of its line. Any other error: give it back now.
        if (!stopping.signal.aborted && raw) {
          log.error("slot error; its job goes back to the head of its line", { error: err });
          await queue.giveBack(workerId, raw).catch(() => {});
          await sleep(1_000, stopping.signal);
        }
        if (raw) inHand.delete(raw);
      } finally {
        setBusy(-1);
      }
    }
  }

  let stopped: Promise<void> | undefined;
  const worker = {
    /**
     * Registers, reconciles, and runs until stop(). Resolves when every slot has stopped: "stopped" after stop(),
     * "lost-id" when the worker had to stop because its id was taken (the process should exit non-zero).
     */
    async start(): Promise<"stopped" | "lost-id"> {
      deps.state.slotsTotal.set(deps.concurrency);
      deps.state.slotsBusy.set(0);
      if (await house.start()) {
        loops = Array.from({ length: deps.concurrency }, slot);
        await Promise.all(loops);
      }
      await stopped;
      return lostId ? "lost-id" : "stopped";
    },

    /** What stalls the worker (a slot's step past its bound while Redis answers), or null while it makes progress. */
    stalled: (): Stall | null => house.stalled(),

    /** Stops taking jobs; each slot's job gets shutdownGraceMs to finish, then goes back to the head of its line. */
    stop(): Promise<void> {
      stopped ??= shutDown();
      return stopped;
    },
  };
  return worker;

  async function shutDown(): Promise<void> {
    stopping.abort();
    // Our jobs were handed to others: their runs here are worth nothing (their records are fenced anyway).
    if (lostId) graceOver.abort();
    // Unblock the take now. Anything it moved in the same instant stays in our held list and is put back below.
    deps.blocking.disconnect();
    const timer = setTimeout(() => graceOver.abort(), deps.shutdownGraceMs);
    await Promise.all(loops);
    clearTimeout(timer);
    // After losing its id, this worker's held list is another's business now.
    await house.stop({ putBack: !lostId });
  }
}
