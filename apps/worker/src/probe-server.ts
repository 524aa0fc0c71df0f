// The worker's small HTTP server: /healthz now; /metrics joins it with the observability work.
export type ProbeServer = { port: number; stop(): Promise<void> };

export function startProbeServer(options: { host: string; port: number }): ProbeServer {
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") return Response.json({ status: "ok" });
      return Response.json({ error: { code: "not_found", message: "No route matches this path." } }, { status: 404 });
    },
  });
  return { port: server.port ?? options.port, stop: () => server.stop() };
}
