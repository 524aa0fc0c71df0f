// The worker's small HTTP server beside the loop: /healthz for liveness (the process is up and not stalled),
// /readyz for readiness (not stalled, and MongoDB and Redis answer), /metrics for Prometheus.
import { errors } from "@lineup/errors";
import type { Readiness } from "@lineup/health";
import { authorizedForMetrics, METRICS_CONTENT_TYPE, type Registry } from "@lineup/metrics";
import type { Stall } from "./watchdog";

export type ProbeServer = { port: number; stop(): Promise<void> };

export function startProbeServer(options: {
  host: string;
  port: number;
  registry: Registry;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** What stalls the worker, or null while it makes progress. */
  stalled: () => Stall | null;
  readiness: () => Promise<Readiness>;
}): ProbeServer {
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") return stalledAnswer() ?? Response.json({ status: "ok" });
      if (pathname === "/readyz") return stalledAnswer() ?? (await readyAnswer());
      const refused =
        pathname !== "/metrics"
          ? errors.notFound("No route matches this path.")
          : authorizedForMetrics(request, options.metricsToken)
            ? null
            : errors.unauthorized();
      if (refused) return Response.json(refused.toBody(), { status: refused.status, headers: refused.headers });
      return new Response(await options.registry.metrics(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    },
  });

  function stalledAnswer(): Response | null {
    const stall = options.stalled();
    if (!stall) return null;
    const error = errors.unavailable(
      `Stalled: a slot's ${stall.step} step has lasted ${stall.seconds} s, far past its bound; restart this worker.`,
      [{ dependency: "worker", status: "stalled", step: stall.step, seconds: stall.seconds }],
    );
    return Response.json(error.toBody(), { status: error.status });
  }

  async function readyAnswer(): Promise<Response> {
    const checks = await options.readiness();
    const down = (Object.keys(checks) as (keyof Readiness)[]).filter((k) => checks[k] !== "ok");
    if (!down.length) return Response.json({ status: "ready", checks });
    const error = errors.unavailable(
      `Not ready: ${down.join(" and ")} ${down.length > 1 ? "do" : "does"} not answer.`,
      down.map((dependency) => ({ dependency, status: "down" })),
    );
    return Response.json(error.toBody(), { status: error.status });
  }

  return { port: server.port ?? options.port, stop: () => server.stop() };
}
