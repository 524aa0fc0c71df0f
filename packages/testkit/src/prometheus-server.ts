// A private Prometheus for tests: config, rules and TSDB in a temp dir, a free loopback port, killed after the run.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBinary } from "./binaries";
import { freePort } from "./ports";
import { spawnServer, stopAndRemove } from "./process-registry";

/** The JSON envelope of Prometheus' HTTP API (/api/v1/*). */
export type PrometheusResponse<T> =
  | { status: "success"; data: T; warnings?: string[] }
  | { status: "error"; errorType: string; error: string };

export type PromSample = { metric: Record<string, string>; value: [number, string] };

export type PromQueryData =
  | { resultType: "vector"; result: PromSample[] }
  | { resultType: "matrix"; result: { metric: Record<string, string>; values: [number, string][] }[] }
  | { resultType: "scalar" | "string"; result: [number, string] };

export type PrometheusServer = {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  /** The temp dir holding prometheus.yml, the rules files, the TSDB and prometheus.log. */
  dir: string;
  /** An instant query (GET /api/v1/query) at now. A query that does not parse comes back as status "error". */
  query(expr: string): Promise<PrometheusResponse<PromQueryData>>;
  /** GET any other API path (e.g. "/api/v1/targets", "/api/v1/rules"). */
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<PrometheusResponse<T>>;
  /** What Prometheus logged so far, for failure messages. */
  log(): string;
  dispose(): Promise<void>;
};

/**
 * Starts prometheus with `configYaml` as its config file. `rulesFiles` (name -> contents) are written beside it,
 * so the config can name them relatively in rule_files; absolute paths in the config work too.
 */
export async function startPrometheus(options: {
  configYaml: string;
  rulesFiles?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<PrometheusServer> {
  const bin = requireBinary("prometheus", "apt-get install -y prometheus");
  const dir = mkdtempSync(join(tmpdir(), "lineup-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, options.configYaml);
  for (const [name, contents] of Object.entries(options.rulesFiles ?? {})) writeFileSync(join(dir, name), contents);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { proc, log } = spawnServer(
    [
      bin,
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    dir,
    "prometheus.log",
  );

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<PrometheusResponse<T>> => {
    const query = new URLSearchParams(params).toString();
    const res = await fetch(`${url}${path}${query ? `?${query}` : ""}`);
    // Bad queries answer 400/422 with the same JSON envelope, which is what callers want to see.
    return (await res.json()) as PrometheusResponse<T>;
  };

  const server: PrometheusServer = {
    url,
    port,
    dir,
    query: (expr) => api<PromQueryData>("/api/v1/query", { query: expr }),
    api,
    log,
    dispose: () => stopAndRemove(proc, dir),
  };

  // Ready means the TSDB is open and the config (rules included) loaded; a bad config exits instead.
  const deadline = performance.now() + (options.startTimeoutMs ?? 30_000);
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) break;
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return server;
    await Bun.sleep(50);
  }
  const output = log();
  await server.dispose();
  throw new Error(`prometheus did not become ready on ${url}; its log:\n${output}`);
}
