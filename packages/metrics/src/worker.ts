// Worker state metrics: the heartbeat ops alert on, whether the worker is stalled, and how many of its slots run a job.
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
    stalled: new Gauge({
      name: "lineup_worker_stalled",
      help: "1 while a slot's step has outlived its bound by WORKER_STALL_MS with Redis answering (the worker makes no progress)",
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
