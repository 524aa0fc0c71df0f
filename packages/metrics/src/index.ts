// @lineup/metrics: every Prometheus metric Lineup exports, defined in one place (prom-client).
// Each process makes one Registry and asks for the groups it exports.
import { collectDefaultMetrics, Registry } from "prom-client";
import { EVENT_LOOP_RESOLUTION_MS, eventLoopMetrics, PROM_CLIENT_EVENT_LOOP_FAMILIES } from "./event-loop";

export { dependencyMetrics } from "./dependencies";
export { type EventMetrics, eventMetrics, type WebhookMetrics, webhookMetrics } from "./events";
export { type HttpMetrics, httpMetrics } from "./http";
export {
  type JobOutcome,
  type SubmitMetrics,
  submitMetrics,
  type WorkerJobMetrics,
  workerJobMetrics,
} from "./jobs";
export { oncePerScrape, type QueueGauges, queueMetrics } from "./queue";
export { type WorkerStateMetrics, workerStateMetrics } from "./worker";
export type { Registry };

/** prom-client's per-heap-space gauges read `v8.getHeapSpaceStatistics()`, which Bun answers by walking the whole
 * heap: 2 ms of CPU for a small process, over 100 ms for a 250 MB heap, all of it blocking the event loop on every
 * scrape. JavaScriptCore has one heap, not V8's spaces, so `nodejs_heap_size_total_bytes` and
 * `nodejs_heap_size_used_bytes` (cheap, from `process.memoryUsage()`) say the same and replace them. */
const WALKS_THE_HEAP = [
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
];

/** A registry with the standard process metrics (CPU, memory, file descriptors, event loop, GC), less the ones that
 * cost a heap walk per scrape, and the event loop's without its standard deviation (event-loop.ts). Every series
 * carries the process kind and its queue, so worker series match the api's queue gauges. */
export function createRegistry(service: "api" | "worker", queue: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, queue });
  // prom-client's event-loop histogram is made, unread: under Bun every monitorEventLoopDelay is one shared histogram.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  for (const name of [...WALKS_THE_HEAP, ...PROM_CLIENT_EVENT_LOOP_FAMILIES]) registry.removeSingleMetric(name);
  eventLoopMetrics(registry);
  return registry;
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Whether a scrape may read /metrics: always without a METRICS_TOKEN, else only with `Bearer <token>`. */
export function authorizedForMetrics(request: Request, token: string | undefined): boolean {
  return !token || request.headers.get("authorization") === `Bearer ${token}`;
}
