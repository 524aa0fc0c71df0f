// Queue gauges, read from Redis when Prometheus scrapes (a few O(1) commands), so they are never stale.
import type { QueueSnapshot } from "@lineup/queue";
import { Gauge, type Registry } from "prom-client";

export function queueMetrics(registry: Registry, queue: string, snapshot: () => Promise<QueueSnapshot>) {
  // One snapshot per scrape, shared by the five gauges.
  let current: Promise<QueueSnapshot> | null = null;
  const read = async <K extends keyof QueueSnapshot>(key: K): Promise<number> => {
    current ??= snapshot().finally(() => setTimeout(() => (current = null), 0));
    return (await current)[key];
  };
  const gauge = (name: string, help: string, key: keyof QueueSnapshot) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"] as const,
      registers: [registry],
      async collect() {
        // Redis away: leave the gauge as it was rather than fail the whole scrape.
        const value = await read(key).catch(() => undefined);
        if (value !== undefined) this.set({ queue }, value);
      },
    });
  return {
    pending: gauge("lineup_queue_pending_jobs", "Jobs waiting in the pending list", "pending"),
    processing: gauge("lineup_queue_processing_jobs", "Jobs held in workers' processing lists", "processing"),
    dead: gauge("lineup_queue_dead_jobs", "Envelopes in the dead list", "dead"),
    oldestAge: gauge(
      "lineup_queue_oldest_pending_age_seconds",
      "Age of the oldest pending job (0 when none is pending)",
      "oldestPendingAgeSeconds",
    ),
    workers: gauge("lineup_queue_workers_alive", "Workers with a recent heartbeat, active or standby", "workersAlive"),
  };
}
