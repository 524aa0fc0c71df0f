// The api's gauges read from the stores when Prometheus scrapes: one bounded read of each store feeds both the queue
// gauges and lineup_dependency_up. A store that answered its read within READY_TIMEOUT_MS is up; one that failed or
// took longer is down, and the queue gauges keep their last values. No separate ping: every round trip on the
// scrape's path costs CPU the requests around it wait for.
import { countQueueJobs, type Db, lineStateCounts } from "@lineup/db";
import { within } from "@lineup/health";
import { dependencyMetrics, oncePerScrape, queueMetrics, type Registry } from "@lineup/metrics";
import type { Queue } from "@lineup/queue";

export function storeMetrics(
  registry: Registry,
  deps: { db: Db; queue: Queue; leaseMs: number; timeoutMs: number },
): void {
  const { db, queue } = deps;
  const read = oncePerScrape(async () => {
    const [redis, mongo] = await Promise.all([
      within(queue.snapshot(deps.leaseMs), deps.timeoutMs),
      within(
        Promise.all([countQueueJobs(db, queue.name, ["queued", "scheduled"]), lineStateCounts(db, queue.name)]),
        deps.timeoutMs,
      ),
    ]);
    return { redis, mongo };
  });
  dependencyMetrics(registry, async () => {
    const { redis, mongo } = await read();
    return { mongo: mongo ? "ok" : "down", redis: redis ? "ok" : "down" };
  });
  queueMetrics(registry, queue.name, async () => {
    const { redis, mongo } = await read();
    if (!redis || !mongo) throw new Error("a store did not answer the scrape's read");
    const [jobs, groups] = mongo;
    const since = groups.oldestHaltSince?.getTime();
    return {
      ...redis,
      queuedJobs: jobs.queued,
      scheduledJobs: jobs.scheduled,
      pausedGroups: groups.paused,
      haltedGroups: groups.halted,
      oldestHaltSeconds: since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000),
    };
  });
}
