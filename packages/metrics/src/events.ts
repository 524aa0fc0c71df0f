// Waiting, event streams and webhooks: what the api holds open, and how webhook deliveries end. No ids in labels.
import { Counter, Gauge, type Registry } from "prom-client";

export function eventMetrics(registry: Registry) {
  return {
    longPolls: new Gauge({
      name: "lineup_long_polls_open",
      help: "GET /v1/jobs/{id}?wait= requests this api process holds open",
      registers: [registry],
    }),
    streams: new Gauge({
      name: "lineup_event_streams_open",
      help: "Server-Sent Events streams this api process holds open",
      registers: [registry],
    }),
  };
}

export type EventMetrics = ReturnType<typeof eventMetrics>;

export function webhookMetrics(registry: Registry) {
  return {
    deliveries: new Counter({
      name: "lineup_webhook_attempts_total",
      help: "Webhook delivery attempts by outcome: delivered, retry (failed, tried again later) or failed (given up)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
  };
}

export type WebhookMetrics = ReturnType<typeof webhookMetrics>;
