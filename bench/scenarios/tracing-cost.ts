// What OpenTelemetry tracing costs: the worker's CPU per job and the api's CPU per submission with tracing off (no
// endpoint), on (every trace sampled) and on at 1% (traceidratio 0.01), spans going to a local OTLP sink in the bench
// process (so its CPU is not counted), exports every 100 ms.
import { measureRun } from "../lib/runs";
import type { Stack } from "../lib/stack";
import { apiCost } from "./api-cost";

export type TracingCost = { mode: "off" | "on" | "1%"; workerCpuUsPerJob: number; apiCpuUsPerSubmission: number }[];

export async function tracingCost(stack: Stack, quick: boolean): Promise<TracingCost> {
  let received = 0;
  const sink = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      received += (await req.arrayBuffer()).byteLength;
      return Response.json({});
    },
  });
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`, OTEL_BSP_SCHEDULE_DELAY: "100" };
  const modes = {
    off: {},
    on: { ...otlp, OTEL_TRACES_SAMPLER: "always_on" },
    "1%": { ...otlp, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" },
  } as const;
  const results: TracingCost = [];
  try {
    for (const [mode, env] of Object.entries(modes) as [TracingCost[number]["mode"], Record<string, string>][]) {
      const run = await measureRun(stack, {
        system: "lineup",
        slots: 1,
        jobs: quick ? 300 : 2_000,
        groups: 64,
        work: { kind: "echo" },
        env,
      });
      const api = await apiCost(stack, quick, { env, queue: `bench-api-tracing-${mode.replace("%", "pct")}` });
      results.push({ mode, workerCpuUsPerJob: run.cpuUsPerJob, apiCpuUsPerSubmission: api.cpuUsPerSubmission });
    }
    if (received === 0) throw new Error("tracing on sent no span to the sink");
    return results;
  } finally {
    sink.stop(true);
  }
}
