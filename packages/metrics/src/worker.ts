// Worker state metrics: the heartbeat ops alert on, and how many of the worker's slots are running a job.
import { Gauge, type Registry } from "prom-client";

export function workerStateMetrics(registry: Registry) {
  return {
    heartbeat: new Gauge({
      name: "lineup_worker_heartbeat_timestamp_seconds",
      help: "Unix time of the worker's last heartbeat",
      registers: [registry],
    }),
    slotsBusy: new Gauge({
      name: "lineup_worker_slots_busy",
      help: "Slots of this worker running a job right now",
      registers: [registry],
    }),
    slotsTotal: new Gauge({
      name: "lineup_worker_slots_total",
      help: "Slots of this worker (WORKER_CONCURRENCY)",
      registers: [registry],
    }),
  };
}

export type WorkerStateMetrics = ReturnType<typeof workerStateMetrics>;
