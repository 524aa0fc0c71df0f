// The api's HTTP metrics. Routes are templates (/v1/jobs/:id), never concrete paths: labels carry no ids.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export function httpMetrics(registry: Registry) {
  return {
    inFlight: new Gauge({
      name: "lineup_http_requests_in_flight",
      help: "HTTP requests being handled right now",
      registers: [registry],
    }),
    requests: new Counter({
      name: "lineup_http_requests_total",
      help: "HTTP requests answered, by method, route template and status code",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "lineup_http_request_duration_seconds",
      help: "Time to answer an HTTP request, by method and route template",
      labelNames: ["method", "route"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type HttpMetrics = ReturnType<typeof httpMetrics>;
