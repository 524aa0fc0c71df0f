// The worker loop: hold the active lease, take one job at a time from the head of the queue, run it to
// its recorded end, and reconcile now and then. stop() finishes the job in hand within the grace period
// or gives it back to the head of the queue.
import type { WorkerStateMetrics } from "@lineup/metrics";
import type Redis from "ioredis";
import { createLeadership } from "./leadership";
import { createOrderCheck } from "./order-check";
import { persist, sleep } from "./persist";
import { type ProcessDeps, processEnvelope } from "./process-job";
import { reconcile } from "./reconciler";

export type WorkerDeps = Omit<ProcessDeps, "abort" | "order"> & {
  /** Heartbeat and active-lease gauges. */
  state: WorkerStateMetrics;
  /** Commands. */
  redis: Redis;
  /** Its own connection: BLMOVE blocks it. */
  blocking: Redis;
  leaseMs: number;
  reconcileIntervalMs: number;
  reconcileGraceMs: number;
  shutdownGraceMs: number;
};

// Short enough that the loop notices shutdown and a lost lease quickly (Sidekiq and Faktory use 2 s too).
const RESERVE_TIMEOUT_SECONDS = 2;

export function createWorker(deps: WorkerDeps) {
  const { queue, workerId, log } = deps;
  const stopping = new AbortController();
  const abortJob = new AbortController();
  const leadership = createLeadership({ queue, workerId, leaseMs: deps.leaseMs, log, active: deps.state.active });
  const order = createOrderCheck(deps.metrics.outOfOrder);
  let needsFullReconcile = true;
  let lastReconcile = 0;
  let loop: Promise<void> | undefined;

  // A Redis that restarted may have lost its last second of writes: check everything again.
  let connectedOnce = false;
  deps.redis.on("ready", () => {
    if (connectedOnce) needsFullReconcile = true;
    connectedOnce = true;
  });
  if (deps.redis.status === "ready") connectedOnce = true;
  deps.blocking.on("ready", () => {
    if (!leadership.isActive()) return;
    registerBlockingClient().catch((err) => log.warn("could not register the blocking connection", { error: err }));
  });

  async function registerBlockingClient() {
    const id = (await deps.blocking.client("ID")) as number;
    await queue.registerBlockingClient(workerId, id);
  }

  /** On becoming active: cut off and recover every other worker, take back our own list, reconcile. */
  async function takeOver() {
    for (const other of await queue.otherWorkers(workerId)) {
      // A stale worker still blocked in BLMOVE would take the next job behind our back: cut it off.
      if (other.clientId) await cutOff(deps.redis, other.clientId, blockingConnectionName(other.id));
      const moved = await queue.recover(other.id);
      if (moved > 0) log.warn("recovered jobs of a vanished worker", { worker: other.id, jobs: moved });
    }
    const own = await queue.recover(workerId);
    if (own > 0) log.info("took back jobs this worker held before it restarted", { jobs: own });
    await leadership.acquire(stopping.signal); // recover() forgot us; renew the heartbeat
    await registerBlockingClient();
    order.reset(await queue.lastFinishedSeq());
    needsFullReconcile = true;
  }

  async function maybeReconcile() {
    const due = Date.now() - lastReconcile >= deps.reconcileIntervalMs;
    if (!needsFullReconcile && !due) return;
    const mode = needsFullReconcile ? "full" : "orphans";
    needsFullReconcile = false;
    lastReconcile = Date.now();
    await reconcile({ db: deps.db, queue, log, graceMs: deps.reconcileGraceMs }, mode);
  }

  async function run() {
    const processDeps = { ...deps, order, abort: abortJob.signal };
    let held: string | null = null;
    // On a timer, not per loop pass: a long job (with retries) must not look like a dead worker.
    const beat = () => deps.state.heartbeat.set(Date.now() / 1000);
    beat();
    const heart = setInterval(beat, 2_000);
    while (!stopping.signal.aborted) {
      try {
        if (!held) {
          if (!leadership.isActive()) {
            if (!(await leadership.acquire(stopping.signal))) break;
            log.info("active: taking jobs", { queue: queue.name });
            await takeOver();
          }
          await maybeReconcile();
          held = await queue.reserve(deps.blocking, workerId, RESERVE_TIMEOUT_SECONDS);
          if (!held) continue;
        }
        // Also when an error interrupted the job in hand: it is finished before another is taken, or order breaks.
        if (!(await leadership.confirm())) {
          // The lease moved while we were blocked (a takeover): give the job back, the active worker runs it.
          await persist("give back", () => queue.returnToHead(workerId, held as string), {
            log,
            stopped: stopping.signal,
          });
          held = null;
          continue;
        }
        await processEnvelope(processDeps, held);
        held = null;
      } catch (err) {
        if (stopping.signal.aborted) break;
        log.error("worker loop error; retrying", { error: err });
        await sleep(1_000, stopping.signal);
      }
    }
    // A job still in hand here stays in our processing list; stop() (or the next start) puts it back at the head.
    clearInterval(heart);
  }

  return {
    start() {
      loop = run();
      return loop;
    },

    /** Stops taking jobs; the job in hand gets shutdownGraceMs to finish, then goes back to the head. */
    async stop(): Promise<void> {
      stopping.abort();
      // Unblock BLMOVE now. Anything it moved in the same instant stays in our processing list and is
      // put back below (or by our next start).
      deps.blocking.disconnect();
      const graceOver = setTimeout(() => abortJob.abort(), deps.shutdownGraceMs);
      await loop;
      clearTimeout(graceOver);
      if (leadership.isActive()) {
        // Bounded: with Redis gone these would wait forever; the next start does the same recovery.
        await within(2_000, queue.recover(workerId));
        await within(2_000, leadership.release());
      }
    },
  };
}

/** Waits for the promise at most ms; its failure or lateness is ignored. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  await Promise.race([promise.catch(() => {}), sleep(ms)]);
}

/** The name every worker gives its blocking connection, so a takeover can tell it from anyone else's. */
export function blockingConnectionName(workerId: string): string {
  return `lineup-worker-${workerId}`;
}

/** Kills the client with this id only if it still carries the expected name: ids restart with Redis. */
async function cutOff(redis: Redis, clientId: number, name: string): Promise<void> {
  const info = (await redis.call("CLIENT", "LIST", "ID", String(clientId)).catch(() => "")) as string;
  if (!info.includes(` name=${name} `)) return;
  await redis.call("CLIENT", "KILL", "ID", String(clientId)).catch(() => {});
}
