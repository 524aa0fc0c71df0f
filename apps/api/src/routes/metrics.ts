// GET /metrics: Prometheus text for this api process (HTTP, submissions, queue gauges, process).
import { errors } from "@lineup/errors";
import { authorizedForMetrics, METRICS_CONTENT_TYPE, type Registry } from "@lineup/metrics";
import { Elysia } from "elysia";
import { errorContent } from "../schemas/common";

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
          200: {
            description: "Prometheus text format",
            content: {
              "text/plain": {
                schema: { type: "string" },
                example:
                  "# HELP lineup_http_requests_in_flight Requests being handled\n" +
                  "# TYPE lineup_http_requests_in_flight gauge\n" +
                  'lineup_http_requests_in_flight{service="api",queue="default"} 1\n',
              },
            },
          },
          401: {
            description: "METRICS_TOKEN is set and this request does not carry it (`unauthorized`)",
            content: errorContent(errors.unauthorized()),
          },
        },
      },
    },
  );
