// Whether each backing service answers, as a metric: decided by the caller when Prometheus scrapes.
import { Gauge, type Registry } from "prom-client";

export function dependencyMetrics(registry: Registry, check: () => Promise<Record<string, "ok" | "down">>) {
  return new Gauge({
    name: "lineup_dependency_up",
    help: "1 when the backing service (mongo, redis) answered at the last scrape, else 0",
    labelNames: ["dependency"] as const,
    registers: [registry],
    async collect() {
      for (const [dependency, state] of Object.entries(await check())) this.set({ dependency }, state === "ok" ? 1 : 0);
    },
  });
}
