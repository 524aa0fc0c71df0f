// GET /metrics: Prometheus text for this api process (HTTP, submissions, queue gauges, process).
import { errors } from "@lineup/errors";
import { authorizedForMetrics, METRICS_CONTENT_TYPE, type Registry } from "@lineup/metrics";
import { Elysia } from "elysia";

export const metricsRoutes = (deps: { registry: Registry; token?: string }) =>
  new Elysia({ name: "metrics-routes" }).get(
    "/metrics",
    async ({ request, set }) => {
      if (!authorizedForMetrics(request, deps.token)) throw errors.unauthorized();
      set.headers["content-type"] = METRICS_CONTENT_TYPE;
      return deps.registry.metrics();
    },
    {
      detail: {
        tags: ["ops"],
        summary: "Prometheus metrics (Bearer METRICS_TOKEN when configured)",
        responses: {
          200: { description: "Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } },
        },
      },
    },
  );
