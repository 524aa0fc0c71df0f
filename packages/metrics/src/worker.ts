// Worker liveness metrics: the heartbeat ops alert on, and whether this worker holds the active lease.
import { Gauge, type Registry } from "prom-client";

export function workerStateMetrics(registry: Registry) {
  return {
    heartbeat: new Gauge({
      name: "lineup_worker_heartbeat_timestamp_seconds",
      help: "Unix time of the worker loop's last heartbeat",
      registers: [registry],
    }),
    active: new Gauge({
      name: "lineup_worker_active",
      help: "1 while this worker holds the queue's active lease, 0 on standby",
      registers: [registry],
    }),
  };
}

export type WorkerStateMetrics = ReturnType<typeof workerStateMetrics>;
