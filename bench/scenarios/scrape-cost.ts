// What one Prometheus scrape of /metrics costs the api and the worker: their process CPU per scrape and the scrape's
// latency (the time their event loop is not serving jobs), after 200 jobs went through so every family has series.
import { spawnApp } from "@lineup/testkit";
import { percentile, processCpuMs } from "../lib/measure";
import { benchToken, lineupEnv, lineupWorker, type Stack } from "../lib/stack";

export type ScrapeCost = { process: "api" | "worker"; scrapes: number; cpuMsPerScrape: number; p99Ms: number }[];

export async function scrapeCost(stack: Stack, quick: boolean): Promise<ScrapeCost> {
  const queue = "bench-scrape";
  const api = await spawnApp("api", lineupEnv(stack, queue));
  const worker = await lineupWorker(stack, queue, 8);
  try {
    const headers = {
      "content-type": "application/json",
      authorization: `Bearer ${await benchToken(api.url, "scrape@example.com")}`,
    };
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers,
        body: JSON.stringify({ type: "echo", group: `g${i % 16}`, payload: { i } }),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids) await fetch(`${api.url}/v1/jobs/${id}?wait=30`, { headers }).then((r) => r.arrayBuffer());
    const scrapes = quick ? 50 : 300;
    const results: ScrapeCost = [];
    for (const [name, app] of [
      ["api", api],
      ["worker", worker],
    ] as const) {
      for (let i = 0; i < 50; i++) await fetch(`${app.url}/metrics`).then((r) => r.text()); // warm up (JIT)
      const latencies: number[] = [];
      const cpu0 = processCpuMs(app.proc.pid);
      for (let i = 0; i < scrapes; i++) {
        const t0 = performance.now();
        const body = await fetch(`${app.url}/metrics`).then((r) => r.text());
        latencies.push(performance.now() - t0);
        if (!body.includes("process_cpu_seconds_total")) throw new Error(`${name} /metrics lacks the process metrics`);
      }
      const cpuMs = processCpuMs(app.proc.pid) - cpu0;
      latencies.sort((a, b) => a - b);
      results.push({ process: name, scrapes, cpuMsPerScrape: cpuMs / scrapes, p99Ms: percentile(latencies, 99) });
    }
    return results;
  } finally {
    await worker.stop();
    await api.stop();
  }
}
