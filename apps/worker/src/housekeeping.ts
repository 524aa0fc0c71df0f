// What a worker does beside its slots, on a timer: it registers its id and beats its heart, recovers the jobs of
// workers that died, moves retries whose backoff is over back to ready, releases jobs that were due later into their
// lines, fires schedules' ticks, and runs the reconciler. It also decides
// when slots may take jobs: only once a full reconcile ran after start and after every Redis reconnection. And it
// tells whether the worker is stalled: a slot's step past its bound while Redis answers the heartbeat.
import { canceledAmong, type Db } from "@lineup/db";
import type { DefaultGroup, JobChange, OnFailure } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { WorkerStateMetrics } from "@lineup/metrics";
import { onRedisChanged, type Queue } from "@lineup/queue";
import type Redis from "ioredis";
import { releaseDueJobs } from "./due-jobs";
import { sleep } from "./persist";
import { reconcile } from "./reconciler";
import { fireDueSchedules } from "./schedule-ticks";
import type { Stall, Watchdog } from "./watchdog";

export type HousekeepingDeps = {
  db: Db;
  queue: Queue;
  redis: Redis;
  workerId: string;
  log: Logger;
  state: WorkerStateMetrics;
  leaseMs: number;
  reconcileIntervalMs: number;
  reconcileGraceMs: number;
  stopped: AbortSignal;
  /** The envelopes the worker's slots hold. */
  inHand: ReadonlySet<string>;
  /** The jobs the slots are running, each with the switch that stops its handler. */
  running: ReadonlyMap<string, AbortController>;
  /** How long finished jobs are kept (JOB_RETENTION). */
  retentionMs: number;
  /** Called when the id was taken from this process: it must stop. */
  onLostId: () => void;
  /** Times the slots' steps. */
  watchdog: Watchdog;
  /** Announces state changes (jobs released, ticks' jobs made). */
  notify: (changes: JobChange[]) => void;
  defaultGroup: DefaultGroup;
  defaultOnFailure: OnFailure;
};

export function createHousekeeping(deps: HousekeepingDeps) {
  const { queue, workerId, log, leaseMs } = deps;
  // Tells this process from an earlier or a duplicate one using the same WORKER_ID.
  const instance = crypto.randomUUID();
  const tickMs = Math.min(1_000, Math.floor(leaseMs / 4));
  let registered = false;
  // Every (re)connection to Redis is a generation; slots take jobs only once a full reconcile of the current one ran.
  let generation = 0;
  let reconciled = -1;
  let connectedSince = Date.now();
  // When Redis last changed under this running worker (a reconnection, a failover): never, until one does.
  let redisChangedAt = Number.NEGATIVE_INFINITY;
  let lastPeriodic = 0;
  let nextDue: number | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let strays = new Set<string>();
  // As of the last heartbeat; slots check Redis itself before they run anything.
  let paused = false;
  let ticking: Promise<void> | null = null;
  let beating: Promise<void> | null = null;
  let beatTimer: ReturnType<typeof setInterval> | undefined;
  // When Redis last answered a heartbeat: a step stuck while it answers is a stall, not an outage.
  let lastBeat = 0;
  let stall: Stall | null = null;

  // A Redis that restarted may have lost its last second of writes, and so may a cluster replica promoted in a
  // failover: nothing is taken until a full reconcile ran.
  // Others' heartbeats were interrupted too: no one is declared dead until they have had a lease to renew.
  onRedisChanged(deps.redis, () => {
    generation += 1;
    connectedSince = Date.now();
    if (registered) redisChangedAt = connectedSince;
  });

  async function register(): Promise<boolean> {
    while (!deps.stopped.aborted) {
      try {
        const moved = await queue.register(workerId, instance);
        if (moved) log.info("put back the jobs an earlier run with this WORKER_ID held", { jobs: moved });
        registered = true;
        return true;
      } catch (err) {
        log.warn("could not register with Redis; retrying", { error: (err as Error).message });
      }
      await sleep(Math.floor(leaseMs / 4), deps.stopped);
    }
    return false;
  }

  async function beat(): Promise<void> {
    deps.state.heartbeat.set(Date.now() / 1000);
    const { alive, paused: nowPaused } = await queue.heartbeat(workerId, instance);
    lastBeat = Date.now();
    if (nowPaused !== paused) log.info(nowPaused ? "queue paused: taking no new jobs" : "queue resumed");
    paused = nowPaused;
    if (alive) return;
    // Presumed dead (a long pause, a partition) and its jobs handed to others, or a second process started with
    // this WORKER_ID. Either way this process must not take another job: late writes of its runs are fenced.
    log.error("this worker lost its WORKER_ID (presumed dead, or another process uses the same id); stopping");
    registered = false;
    deps.onLostId();
  }

  /**
   * Everything that falls due with time: retries whose backoff is over, jobs submitted for later, schedules' ticks.
   * Then when the next of them is due, so idle slots wake for it.
   */
  async function promote(): Promise<void> {
    const now = Date.now();
    const retries = await queue.promoteDue(now);
    // Releasing jobs and firing ticks hands out seqs: only once the reconciler has raised the counters past what a
    // Redis that restarted (or a replica that took over) may have lost, as the slots wait for it too.
    if (reconciled === generation) {
      await releaseDueJobs(deps, now);
      await fireDueSchedules(deps, now);
    }
    const [scheduled, tick] = await Promise.all([queue.dueTimes.nextDueAt(), queue.dueTimes.nextTickAt()]);
    const due = [retries.nextDueAt, scheduled, tick].filter((t): t is number => t !== null);
    nextDue = due.length ? Math.min(...due) : null;
  }

  async function recoverDead(): Promise<void> {
    if (Date.now() - connectedSince < leaseMs) return;
    for (const id of await queue.staleWorkers(leaseMs)) {
      if (id === workerId) continue;
      const moved = await queue.recover(id, leaseMs);
      if (moved !== null) log.warn("recovered the jobs of a worker that died", { worker: id, jobs: moved });
    }
  }

  /**
   * A take whose reply was lost (the connection dropped just then) leaves a job in our held list that no slot has.
   * Seen there on two ticks in a row, it goes back to the front of ready.
   */
  async function giveBackStrays(): Promise<void> {
    const seen = new Set<string>();
    for (const raw of await queue.heldBy(workerId)) {
      if (deps.inHand.has(raw)) continue;
      if (strays.has(raw)) {
        await queue.giveBack(workerId, raw, { ran: false });
        log.warn("gave back a job this worker took but never ran", { envelope: raw.slice(0, 200) });
      } else {
        seen.add(raw);
      }
    }
    strays = seen;
  }

  /** An admin canceled a job this worker runs: stop its handler (the record already says canceled). */
  async function stopCanceled(): Promise<void> {
    if (!deps.running.size) return;
    for (const id of await canceledAmong(deps.db, [...deps.running.keys()])) deps.running.get(id)?.abort();
  }

  async function reconcileIfDue(): Promise<void> {
    const reconcileDeps = { db: deps.db, queue, log, graceMs: deps.reconcileGraceMs };
    if (reconciled !== generation) {
      const current = generation;
      await reconcile(reconcileDeps, { full: true });
      reconciled = current;
    }
    if (Date.now() - lastPeriodic < deps.reconcileIntervalMs) return;
    lastPeriodic = Date.now();
    // One worker per interval is enough; the lock lapses by itself.
    if (!(await queue.lock("reconciling", workerId, deps.reconcileIntervalMs))) return;
    // The dead set keeps an entry as long as MongoDB keeps its job.
    await queue.forgetDead({ before: Date.now() - deps.retentionMs });
    if (Date.now() - connectedSince < leaseMs) return; // running jobs' workers may not have renewed their beat yet
    const alive = new Set(await queue.liveWorkers(leaseMs));
    await reconcile(reconcileDeps, { full: false, aliveWorkers: alive });
  }

  function checkProgress(): void {
    const found = deps.watchdog.stalled();
    const was = stall;
    stall = found && Date.now() - lastBeat < 2 * tickMs + 1_000 ? found : null;
    deps.state.stalled.set(stall ? 1 : 0);
    if (stall && !was) log.error("worker stalled: a slot's step outlived its bound; restart this worker", stall);
  }

  /**
   * The heartbeat keeps its own beat: a MongoDB that hangs holds the steps below, and a worker that stopped beating
   * for it would be presumed dead and its jobs handed out twice.
   */
  function heartbeat(): Promise<void> {
    beating ??= beat()
      .catch((err) => log.warn("housekeeping step failed; retrying", { step: "beat", error: err }))
      .finally(() => {
        beating = null;
      });
    return beating;
  }

  function tick(): Promise<void> {
    ticking ??= (async () => {
      for (const step of [promote, recoverDead, giveBackStrays, stopCanceled, reconcileIfDue]) {
        if (deps.stopped.aborted) return;
        await step().catch((err) => log.warn("housekeeping step failed; retrying", { step: step.name, error: err }));
      }
      checkProgress();
    })().finally(() => {
      ticking = null;
    });
    return ticking;
  }

  return {
    /** Registers and reconciles; false if stopped first. */
    async start(): Promise<boolean> {
      if (!(await register())) return false;
      await heartbeat();
      await tick();
      beatTimer = setInterval(heartbeat, tickMs);
      timer = setInterval(tick, tickMs);
      return true;
    },

    mayTake: () => registered && reconciled === generation && !paused,

    /** When Redis last changed under this running worker (it may have lost its last writes then), or -Infinity. */
    redisChangedAt: () => redisChangedAt,

    /** What stalls the worker, as of the last tick; null while it makes progress. */
    stalled: () => stall,

    /** A slot found the queue paused before the heartbeat did. */
    notePaused() {
      paused = true;
    },

    /** A retry this worker deferred is due then: idle slots wake for it. */
    dueAt(ms: number) {
      nextDue = nextDue === null ? ms : Math.min(nextDue, ms);
    },

    async promoteIfDue(): Promise<void> {
      if (nextDue !== null && Date.now() >= nextDue) await promote();
    },

    /** How long an idle slot blocks: at most `max`, less when a retry falls due sooner. */
    takeTimeoutSeconds(max: number): number {
      if (nextDue === null) return max;
      return Math.min(max, Math.max(0.01, (nextDue - Date.now()) / 1000));
    },

    /** Stops the timer; with putBack, puts back whatever this worker still holds and forgets it (bounded). */
    async stop(options: { putBack: boolean }): Promise<void> {
      clearInterval(timer);
      clearInterval(beatTimer);
      await Promise.all([ticking, beating]);
      if (!options.putBack) return;
      await Promise.race([queue.recover(workerId, leaseMs, true).catch(() => {}), sleep(2_000)]);
    },
  };
}
