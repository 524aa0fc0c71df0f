// Job lifecycle metrics: submitted (api), started and finished with durations (worker). Labels: type, outcome.
import { Counter, Histogram, type Registry } from "prom-client";

export type JobOutcome = "succeeded" | "failed" | "canceled";

const SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

export function submitMetrics(registry: Registry) {
  return {
    submitted: new Counter({
      name: "lineup_jobs_submitted_total",
      help: "Jobs accepted by the api (answered 202), by type",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
  };
}

export function workerJobMetrics(registry: Registry) {
  return {
    started: new Counter({
      name: "lineup_jobs_started_total",
      help: "Handler runs started, retries and takeovers included, by type",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    finished: new Counter({
      name: "lineup_jobs_finished_total",
      help: "Jobs that reached a final state, by type and outcome (succeeded, failed, canceled)",
      labelNames: ["type", "outcome"] as const,
      registers: [registry],
    }),
    processing: new Histogram({
      name: "lineup_job_processing_duration_seconds",
      help: "From a job's first start to its recorded end, retries included, by type and outcome",
      labelNames: ["type", "outcome"] as const,
      buckets: SECONDS,
      registers: [registry],
    }),
    wait: new Histogram({
      name: "lineup_job_wait_seconds",
      help: "From enqueue to the first start, by type",
      labelNames: ["type"] as const,
      buckets: SECONDS,
      registers: [registry],
    }),
    retries: new Counter({
      name: "lineup_job_retries_total",
      help: "Failed attempts that were retried, by type",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: "lineup_jobs_dead_lettered_total",
      help: "Envelopes moved to the dead list, by type (malformed envelopes count as type unknown)",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    outOfOrder: new Counter({
      name: "lineup_jobs_out_of_order_total",
      help: "Jobs that started with a lower seq than one started before them; must stay 0",
      registers: [registry],
    }),
  };
}

export type SubmitMetrics = ReturnType<typeof submitMetrics>;
export type WorkerJobMetrics = ReturnType<typeof workerJobMetrics>;
