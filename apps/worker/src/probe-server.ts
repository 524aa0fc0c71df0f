// The worker's small HTTP server beside the loop: /healthz for liveness, /metrics for Prometheus.
import { errors } from "@lineup/errors";
import { authorizedForMetrics, METRICS_CONTENT_TYPE, type Registry } from "@lineup/metrics";

export type ProbeServer = { port: number; stop(): Promise<void> };

export function startProbeServer(options: {
  host: string;
  port: number;
  registry: Registry;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
}): ProbeServer {
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") return Response.json({ status: "ok" });
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
  return { port: server.port ?? options.port, stop: () => server.stop() };
}
