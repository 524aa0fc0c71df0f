// Counts every request by method, route template and status, times it, and tracks how many are in flight.
import type { HttpMetrics } from "@lineup/metrics";
import { Elysia } from "elysia";

export const httpMetricsPlugin = (metrics: HttpMetrics) => {
  const startedAt = new WeakMap<Request, number>();
  return new Elysia({ name: "http-metrics" })
    .onRequest(({ request }) => {
      startedAt.set(request, performance.now());
      metrics.inFlight.inc();
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const start = startedAt.get(request);
      if (start === undefined) return;
      startedAt.delete(request);
      metrics.inFlight.dec();
      // The template, never the concrete path, so an id never becomes a label value.
      const labels = { method: request.method, route: route || "unmatched" };
      const status = String(typeof set.status === "number" ? set.status : 200);
      metrics.requests.inc({ ...labels, status });
      metrics.duration.observe(labels, (performance.now() - start) / 1000);
    });
};
