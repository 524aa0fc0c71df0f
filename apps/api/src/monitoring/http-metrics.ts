// Counts every request by method, route template and status, times it, and tracks how many are in flight.
// Start time, route and status come from the request context, which the access log uses too.
import type { HttpMetrics } from "@lineup/metrics";
import { Elysia } from "elysia";
import { responseFacts } from "../middlewares/request-context";

export const httpMetricsPlugin = (metrics: HttpMetrics) =>
  new Elysia({ name: "http-metrics" })
    .onRequest(() => {
      metrics.inFlight.inc();
    })
    .onAfterResponse({ as: "global" }, (ctx) => {
      const { route, status, durationMs } = responseFacts(ctx);
      if (durationMs === undefined) return;
      metrics.inFlight.dec();
      // The template, never the concrete path, so an id never becomes a label value.
      const labels = { method: ctx.request.method, route };
      metrics.requests.inc({ ...labels, status: String(status) });
      metrics.duration.observe(labels, durationMs / 1000);
    });
