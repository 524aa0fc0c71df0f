import { describe, expect, test } from "bun:test";
import { createRegistry } from "../src";

describe("a process's registry", () => {
  test("exports the process families the dashboards read, labelled with the service and queue", async () => {
    const text = await createRegistry("worker", "q1").metrics();
    for (const family of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "process_open_fds",
      "nodejs_heap_size_used_bytes",
      "nodejs_heap_size_total_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_eventloop_lag_min_seconds",
      "nodejs_eventloop_lag_max_seconds",
      "nodejs_eventloop_lag_mean_seconds",
      "nodejs_eventloop_lag_p50_seconds",
      "nodejs_eventloop_lag_p90_seconds",
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(text).toMatch(new RegExp(`^${family}\\{[^}]*service="worker"[^}]*queue="q1"`, "m"));
    }
  });

  test("leaves out the per-heap-space gauges, whose every scrape walks Bun's whole heap", async () => {
    const text = await createRegistry("api", "q1").metrics();
    expect(text).not.toContain("nodejs_heap_space_size");
  });

  test("reports the event loop's delay since the last scrape, without the standard deviation Bun computes by walking its histogram", async () => {
    const registry = createRegistry("worker", "q1");
    await registry.metrics();
    await Bun.sleep(100);
    const busyUntil = performance.now() + 120;
    // Between two scrapes the loop is held for 120 ms: the second scrape's max delay shows it.
    setTimeout(() => {
      while (performance.now() < busyUntil) {}
    }, 0);
    await Bun.sleep(200);
    const text = await registry.metrics();
    const max = Number(/^nodejs_eventloop_lag_max_seconds\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(max).toBeGreaterThan(0.05);
    expect(text).not.toContain("nodejs_eventloop_lag_stddev_seconds");
    // Each family once: prom-client's own event-loop gauges are gone.
    expect(text.match(/^# TYPE nodejs_eventloop_lag_p99_seconds /gm)?.length).toBe(1);
  });
});
