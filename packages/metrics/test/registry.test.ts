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
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(text).toMatch(new RegExp(`^${family}\\{[^}]*service="worker"[^}]*queue="q1"`, "m"));
    }
  });

  test("leaves out the per-heap-space gauges, whose every scrape walks Bun's whole heap", async () => {
    const text = await createRegistry("api", "q1").metrics();
    expect(text).not.toContain("nodejs_heap_space_size");
  });
});
