// Queue gauges, read when Prometheus scrapes (a few O(1) Redis reads and two indexed MongoDB aggregations), so they are
// never stale. No label carries a group or a user: the line counts are totals.
import type { QueueSnapshot } from "@lineup/queue";
import { Gauge, type Registry } from "prom-client";

export type QueueGauges = QueueSnapshot & {
  /** Jobs queued in MongoDB (waiting in their lines, or waiting out a retry). */
  queuedJobs: number;
  /** Jobs scheduled in MongoDB (due later). */
  scheduledJobs: number;
  /** Groups paused, and halted by a failure (MongoDB's record). */
  pausedGroups: number;
  haltedGroups: number;
  /** How long the longest halt has lasted (0 when none). */
  oldestHaltSeconds: number;
};

/**
 * Runs `read` once for the collects of one scrape, and afresh for the next. prom-client starts every collect of a
 * scrape in one synchronous pass, so the read is shared until the microtasks after that pass run; a scrape that
 * follows at once (even in the same tick of the timers) never sees the one before's values.
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | null = null;
  return () => {
    if (!current) {
      current = read();
      queueMicrotask(() => {
        current = null;
      });
    }
    return current;
  };
}

export function queueMetrics(registry: Registry, queue: string, snapshot: () => Promise<QueueGauges>) {
  // One snapshot per scrape, shared by the gauges.
  const current = oncePerScrape(snapshot);
  const read = async (value: (g: QueueGauges) => number): Promise<number> => value(await current());
  const gauge = (name: string, help: string, value: keyof QueueGauges | ((g: QueueGauges) => number)) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"] as const,
      registers: [registry],
      async collect() {
        // A store away: leave the gauge as it was rather than fail the whole scrape.
        const pick = typeof value === "function" ? value : (g: QueueGauges) => Number(g[value]);
        const v = await read(pick).catch(() => undefined);
        if (v !== undefined) this.set({ queue }, v);
      },
    });
  return {
    queued: gauge(
      "lineup_queue_queued_jobs",
      "Jobs queued: waiting in their lines or out a retry backoff",
      "queuedJobs",
    ),
    ready: gauge("lineup_queue_ready_groups", "Groups (lines) whose next job waits for a free slot", "readyLines"),
    inFlight: gauge("lineup_queue_groups_in_flight", "Groups (lines) with a job running", "linesInFlight"),
    retrying: gauge(
      "lineup_queue_retrying_groups",
      "Groups (lines) whose head job waits out a retry backoff",
      "retryingLines",
    ),
    dead: gauge("lineup_queue_dead_jobs", "Entries in the dead list", "dead"),
    oldestAge: gauge(
      "lineup_queue_oldest_ready_age_seconds",
      "Age of the job at the front of ready, the one that has waited longest for a slot (0 when none waits)",
      "oldestReadyAgeSeconds",
    ),
    workers: gauge("lineup_queue_workers_alive", "Workers with a recent heartbeat", "workersAlive"),
    paused: gauge("lineup_queue_paused", "1 while the queue is paused (workers take no job), else 0", "paused"),
    scheduled: gauge(
      "lineup_queue_scheduled_jobs",
      "Jobs due later (runAt, delayMs), not yet in their lines",
      "scheduledJobs",
    ),
    pausedGroups: gauge("lineup_groups_paused", "Groups paused by their owner or an admin", "pausedGroups"),
    haltedGroups: gauge(
      "lineup_groups_halted",
      "Groups halted by a job that failed for good (onFailure: halt)",
      "haltedGroups",
    ),
    oldestHalt: gauge(
      "lineup_groups_halted_oldest_seconds",
      "How long the group halted longest ago has been halted (0 when none is)",
      "oldestHaltSeconds",
    ),
  };
}
