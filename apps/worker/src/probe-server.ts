// The worker's small HTTP server beside the loop: /healthz for liveness, /metrics for Prometheus.
import { METRICS_CONTENT_TYPE, type Registry } from "@lineup/metrics";

export type ProbeServer = { port: number; stop(): Promise<void> };

export function startProbeServer(options: {
  host: string;
  port: number;
  registry: Registry;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
}): ProbeServer {
  const notFound = { error: { code: "not_found", message: "No route matches this path." } };
  const unauthorized = { error: { code: "unauthorized", message: "A valid bearer token is required." } };
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") return Response.json({ status: "ok" });
      if (pathname !== "/metrics") return Response.json(notFound, { status: 404 });
      if (options.metricsToken && request.headers.get("authorization") !== `Bearer ${options.metricsToken}`) {
        return Response.json(unauthorized, { status: 401 });
      }
      return new Response(await options.registry.metrics(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    },
  });
  return { port: server.port ?? options.port, stop: () => server.stop() };
}
