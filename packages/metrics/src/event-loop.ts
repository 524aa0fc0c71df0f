// The event loop's delay, as prom-client's default collector reports it (the same nodejs_eventloop_lag_* families, the
// same meanings) but without its standard deviation: Bun computes a histogram's `stddev` by walking all of it, about
// 0.27 ms of CPU on every scrape, where min, max, mean and the percentiles together cost under 0.1 ms. The histogram
// samples every 20 ms (prom-client's default is 10): each sample wakes an idle process, and a wake-up cost 70 to 90 µs
// of CPU on the benchmark machine (docs/benchmarks.md), so an idle process pays about 4.5 ms of CPU a second for it
// instead of 7, and a 15 s scrape interval still holds 750 samples.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

export const EVENT_LOOP_RESOLUTION_MS = 20;

/** prom-client's event-loop families; the caller removes them (with their histogram's stddev) before adding ours. */
export const PROM_CLIENT_EVENT_LOOP_FAMILIES = [
  "nodejs_eventloop_lag_seconds",
  "nodejs_eventloop_lag_min_seconds",
  "nodejs_eventloop_lag_max_seconds",
  "nodejs_eventloop_lag_mean_seconds",
  "nodejs_eventloop_lag_stddev_seconds",
  "nodejs_eventloop_lag_p50_seconds",
  "nodejs_eventloop_lag_p90_seconds",
  "nodejs_eventloop_lag_p99_seconds",
];

export function eventLoopMetrics(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  histogram.enable();
  // One collect sets them all, from the delays recorded since the last scrape; the lag itself is a setImmediate's
  // delay from this scrape, reported at the next one (as prom-client does). It is registered first: a registry reads
  // its metrics in order, so the others are read after this collect has set them.
  const lag: Gauge = new Gauge({
    name: "nodejs_eventloop_lag_seconds",
    help: "Lag of event loop in seconds.",
    registers: [registry],
    collect() {
      const start = performance.now();
      setImmediate(() => lag.set((performance.now() - start) / 1000));
      min.set(histogram.min / 1e9);
      max.set(histogram.max / 1e9);
      mean.set(histogram.mean / 1e9);
      p50.set(histogram.percentile(50) / 1e9);
      p90.set(histogram.percentile(90) / 1e9);
      p99.set(histogram.percentile(99) / 1e9);
      histogram.reset();
    },
  });
  const gauge = (suffix: string, help: string) =>
    new Gauge({ name: `nodejs_eventloop_lag_${suffix}seconds`, help, registers: [registry] });
  const min = gauge("min_", "The minimum recorded event loop delay.");
  const max = gauge("max_", "The maximum recorded event loop delay.");
  const mean = gauge("mean_", "The mean of the recorded event loop delays.");
  const p50 = gauge("p50_", "The 50th percentile of the recorded event loop delays.");
  const p90 = gauge("p90_", "The 90th percentile of the recorded event loop delays.");
  const p99 = gauge("p99_", "The 99th percentile of the recorded event loop delays.");
}
