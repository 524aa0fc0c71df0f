// Observability: promtool accepts the config, rules and rule tests; dashboard and rule queries work on a live stack.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, REPO_ROOT, spawnApp, type TestContext } from "@lineup/testkit";
import { requireBinary } from "../../../packages/testkit/src/binaries";
import { type PrometheusServer, startPrometheus } from "../../../packages/testkit/src/prometheus-server";
import { waitFor } from "./support";

const CONFIG = join(REPO_ROOT, "prometheus.yml");
const RULES = join(REPO_ROOT, "prometheus/alerts.yml");
const RULE_TESTS = join(REPO_ROOT, "prometheus/alerts.test.yml");
const DASHBOARD = join(REPO_ROOT, "grafana/dashboards/lineup.json");
const JOBS = { api: "lineup-api", worker: "lineup-worker" } as const;
const N = 20;

type PromConfig = {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ({ job_name: string } & Record<string, unknown>)[];
};
type RulesFile = { groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
type Panel = {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
};
type Dashboard = { uid: string; panels: Panel[]; templating?: { list: unknown[] } };

/** The project's prometheus.yml with its rule_files pointing at the repo's rules (compose mounts them elsewhere). */
function configWithRepoRules(): PromConfig {
  const config = Bun.YAML.parse(readFileSync(CONFIG, "utf8")) as PromConfig;
  return { ...config, rule_files: [RULES] };
}

function promtool(...args: string[]): { exitCode: number; output: string } {
  const bin = requireBinary("promtool", "apt-get install -y prometheus");
  const result = Bun.spawnSync([bin, ...args], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  return { exitCode: result.exitCode, output: `${result.stdout.toString()}${result.stderr.toString()}` };
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Grafana's built-in variables as a 1s-scrape test can afford them; the dashboard defines no variables of its own. */
function grafanaExpr(expr: string): string {
  return expr.replaceAll("$__rate_interval", "15s").replaceAll("$__interval", "5s");
}

describe("Prometheus config and alert rules (promtool)", () => {
  it("accepts prometheus.yml with its rule_files pointed at the repo's rules", () => {
    const dir = mkdtempSync(join(tmpdir(), "lineup-promtool-"));
    try {
      const file = join(dir, "prometheus.yml");
      writeFileSync(file, Bun.YAML.stringify(configWithRepoRules()));
      expect(promtool("check", "config", file)).toMatchObject({ exitCode: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts prometheus/alerts.yml", () => {
    expect(promtool("check", "rules", RULES)).toMatchObject({ exitCode: 0 });
  });

  it("passes the rule unit tests in prometheus/alerts.test.yml", () => {
    expect(promtool("test", "rules", RULE_TESTS)).toMatchObject({ exitCode: 0 });
  });

  it("scrapes lineup-api and lineup-worker and loads the rules from the path compose mounts them at", () => {
    const config = Bun.YAML.parse(readFileSync(CONFIG, "utf8")) as PromConfig;
    expect(config.scrape_configs.map((s) => s.job_name).sort()).toEqual([JOBS.api, JOBS.worker]);
    expect(config.rule_files).toEqual(["/etc/prometheus/rules/alerts.yml"]);
    expect(readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8")).toContain(
      "./prometheus:/etc/prometheus/rules:ro",
    );
  });
});

describe("the Grafana dashboard file", () => {
  it("has uid lineup and queries the provisioned datasource uid prometheus in every panel and target", () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
    expect(dashboard.uid).toBe("lineup");
    const queried = allPanels(dashboard.panels).filter((p) => p.type !== "row");
    expect(queried.length).toBeGreaterThan(10);
    const foreign = queried.filter(
      (p) => p.datasource?.uid !== "prometheus" || p.targets?.some((t) => t.datasource?.uid !== "prometheus"),
    );
    expect(foreign.map((p) => p.title)).toEqual([]);
  });
});

describe("a live api, worker and Prometheus", () => {
  let ctx: TestContext;
  let api: AppProcess | undefined;
  let worker: AppProcess | undefined;
  let prometheus: PrometheusServer | undefined;

  /** The value of a query that must yield exactly one sample. */
  async function scalar(expr: string): Promise<number> {
    const res = await (prometheus as PrometheusServer).query(expr);
    if (res.status !== "success" || res.data.resultType !== "vector" || res.data.result.length !== 1) {
      throw new Error(`${expr} did not give one sample: ${JSON.stringify(res)}`);
    }
    return Number(res.data.result[0]?.value[1]);
  }

  beforeAll(async () => {
    ctx = await createTestContext("observability");
    const env = { ...ctx.env, LOG_LEVEL: "warn", WORKER_ID: "w-obs" };
    api = await spawnApp("api", env);
    worker = await spawnApp("worker", env);

    // The project's config with its targets swapped for the spawned processes, and a fast clock.
    const config = configWithRepoRules();
    const ports: Record<string, number> = { [JOBS.api]: api.port, [JOBS.worker]: worker.port };
    config.global = { ...config.global, scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" };
    config.scrape_configs = config.scrape_configs.map(({ job_name, metrics_path, scheme }) => ({
      job_name,
      ...(metrics_path ? { metrics_path } : {}),
      ...(scheme ? { scheme } : {}),
      static_configs: [{ targets: [`127.0.0.1:${ports[job_name]}`] }],
    }));
    prometheus = await startPrometheus({ configYaml: Bun.YAML.stringify(config) });

    const base = api.url;
    const headers = { "content-type": "application/json" };
    const body = JSON.stringify({ email: "obs@example.com", password: "password123" });
    expect((await fetch(`${base}/v1/auth/register`, { method: "POST", headers, body })).status).toBe(201);
    const login = await fetch(`${base}/v1/auth/login`, { method: "POST", headers, body });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const submit = async () => {
      const res = await fetch(`${base}/v1/jobs`, {
        method: "POST",
        headers: { ...headers, authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ type: "echo", payload: { at: Date.now() } }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const seen = (expr: string, value: number) => async () => (await scalar(expr).catch(() => -1)) >= value;
    // A labelled series exists only from its first increment, and rate() cannot see the jump to a first
    // sample. So one job first, until Prometheus has scraped its series; then the rest, which rate() sees.
    // (Prometheus' first scrape also comes ~5s after start: its target discovery sends updates every 5s.)
    const ids = [await submit()];
    await waitFor(seen("sum(lineup_jobs_finished_total)", 1), 20_000, 100);
    await waitFor(seen("sum(lineup_jobs_submitted_total)", 1), 5_000, 100);
    for (let i = 1; i < N; i++) ids.push(await submit());
    const jobs = ctx.db.collection<JobDoc>("jobs");
    await waitFor(
      async () => (await jobs.countDocuments({ _id: { $in: ids }, status: "succeeded" })) === N,
      30_000,
      100,
    );
    await waitFor(seen("sum(lineup_jobs_finished_total)", N), 10_000, 100);
    // A few more scrapes and rule evaluations of the settled system; rate() windows (15s) still hold the work.
    await Bun.sleep(3_000);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.dispose();
    await worker?.stop();
    await api?.stop();
    await ctx?.cleanup();
  });

  it("scrapes both processes: up is 1 for lineup-api and lineup-worker", async () => {
    expect(await scalar(`up{job="${JOBS.api}"}`)).toBe(1);
    expect(await scalar(`up{job="${JOBS.worker}"}`)).toBe(1);
  });

  it("counts every submitted job as finished once, and none out of order", async () => {
    expect(await scalar("sum(lineup_jobs_finished_total)")).toBe(N);
    expect(await scalar('sum(lineup_jobs_finished_total{outcome="succeeded"})')).toBe(N);
    expect(await scalar("sum(lineup_jobs_submitted_total)")).toBe(N);
    expect(await scalar("sum(lineup_jobs_out_of_order_total)")).toBe(0);
  });

  it("answers every dashboard panel query with data", async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
    const exprs = allPanels(dashboard.panels).flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    expect(exprs.length).toBeGreaterThan(20);
    const problems: { panel: string; expr: string; problem: string }[] = [];
    for (const { panel, expr } of exprs) {
      const query = grafanaExpr(expr);
      if (query.includes("$")) {
        problems.push({ panel, expr, problem: "uses a variable this test does not substitute" });
        continue;
      }
      const res = await (prometheus as PrometheusServer).query(query);
      if (res.status !== "success") problems.push({ panel, expr, problem: `${res.errorType}: ${res.error}` });
      // NaN everywhere (e.g. a quantile of no observations) would draw nothing either.
      else if (res.data.resultType === "vector" && res.data.result.every((r) => r.value[1] === "NaN"))
        problems.push({ panel, expr, problem: `no data: ${JSON.stringify(res.data.result)}` });
    }
    expect(problems).toEqual([]);
  });

  it("parses and evaluates every alert and recording rule expression without error", async () => {
    const rules = (Bun.YAML.parse(readFileSync(RULES, "utf8")) as RulesFile).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    const problems: { rule: string; problem: string }[] = [];
    for (const rule of rules) {
      const res = await (prometheus as PrometheusServer).query(rule.expr);
      if (res.status !== "success") problems.push({ rule: rule.alert ?? rule.record ?? "?", problem: res.error });
    }
    expect(problems).toEqual([]);
    // Prometheus itself evaluates them every second: none may report an error.
    const loaded = await (prometheus as PrometheusServer).api<{
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    }>("/api/v1/rules");
    if (loaded.status !== "success") throw new Error(loaded.error);
    const evaluated = loaded.data.groups.flatMap((g) => g.rules);
    expect(evaluated.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert ?? r.record ?? "?").sort());
    expect(evaluated.filter((r) => r.health !== "ok")).toEqual([]);
  });

  it("raises no alert, not even a pending one, while the system is healthy", async () => {
    const alerts = await (prometheus as PrometheusServer).api<{
      alerts: { labels: Record<string, string>; state: string }[];
    }>("/api/v1/alerts");
    if (alerts.status !== "success") throw new Error(alerts.error);
    expect(alerts.data.alerts).toEqual([]);
  });
});
