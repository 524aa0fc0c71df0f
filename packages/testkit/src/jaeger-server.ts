// A private Jaeger for tests (v2, the OpenTelemetry Collector based binary): an OTLP/HTTP receiver and the query API on
// free loopback ports, traces kept in memory, killed after the run.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBinary } from "./binaries";
import { freePort } from "./ports";
import { spawnServer, stopAndRemove } from "./process-registry";

/** A span as Jaeger's query API returns it (GET /api/traces/{id}). */
export type JaegerSpan = {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: "CHILD_OF" | "FOLLOWS_FROM"; traceID: string; spanID: string }[];
  tags: { key: string; type: string; value: unknown }[];
  logs: { timestamp: number; fields: { key: string; value: unknown }[] }[];
  processID: string;
  startTime: number;
  duration: number;
};
export type JaegerTrace = { traceID: string; spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> };

export type JaegerServer = {
  /** Where Lineup sends spans: OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint: string;
  /** The query API's base URL. */
  queryUrl: string;
  /** A trace by id, or null while Jaeger has none of it. */
  trace(traceId: string): Promise<JaegerTrace | null>;
  log(): string;
  dispose(): Promise<void>;
};

export async function startJaeger(options: { startTimeoutMs?: number } = {}): Promise<JaegerServer> {
  const bin = requireBinary("jaeger", "bash scripts/setup.sh (it builds jaeger from the Go module proxy)");
  const dir = mkdtempSync(join(tmpdir(), "lineup-jaeger-"));
  const [otlp, query, queryGrpc, health] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const config = join(dir, "jaeger.yaml");
  writeFileSync(
    config,
    `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${health}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
processors:
  batch:
    timeout: 50ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
  );
  const { proc, log } = spawnServer([bin, "--config", config], dir, "jaeger.log");
  const queryUrl = `http://127.0.0.1:${query}`;
  const server: JaegerServer = {
    otlpEndpoint: `http://127.0.0.1:${otlp}`,
    queryUrl,
    async trace(traceId) {
      const res = await fetch(`${queryUrl}/api/traces/${traceId}`);
      if (res.status === 404) return null;
      const body = (await res.json()) as { data?: JaegerTrace[] };
      return body.data?.[0] ?? null;
    },
    log,
    dispose: () => stopAndRemove(proc, dir),
  };
  const deadline = performance.now() + (options.startTimeoutMs ?? 30_000);
  while (performance.now() < deadline && proc.exitCode === null) {
    const ready = await fetch(`${queryUrl}/api/services`).then(
      (r) => r.ok,
      () => false,
    );
    const receiving = await fetch(`${server.otlpEndpoint}/v1/traces`, { method: "POST" }).then(
      () => true,
      () => false,
    );
    if (ready && receiving) return server;
    await Bun.sleep(50);
  }
  const output = log();
  await server.dispose();
  throw new Error(`jaeger did not start on ${queryUrl}; its log:\n${output}`);
}
