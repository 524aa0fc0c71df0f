// Login load benchmark: GET /v1/jobs/{id} latency idle, then while 8 clients log in without pause at BCRYPT_COST=12,
// against a real api process on the test kit's private servers. The last stdout line is one JSON object:
// {idleP50Ms, idleP99Ms, loadP50Ms, loadP99Ms, ratioP99}; the target is ratioP99 <= 2.
// Usage: bun bench/login-load.ts [--quick] [seconds per phase = 10, 3 with --quick] [HASH_CONCURRENCY, default the
// api's own]. `bun run bench` runs it too and reports the ratio against its target.
import { createTestContext, spawnApp } from "@lineup/testkit";

const args = process.argv.slice(2);
const [phaseArg, hashConcurrency] = args.filter((a) => !a.startsWith("--")).map(Number);
const phaseSeconds = phaseArg || (args.includes("--quick") ? 3 : 10);
const LOGIN_CLIENTS = 8;
const WARMUP_MS = 2_000;

const ctx = await createTestContext("loginload");
const api = await spawnApp("api", {
  ...ctx.env,
  BCRYPT_COST: "12",
  LOG_LEVEL: "warn",
  ...(hashConcurrency ? { HASH_CONCURRENCY: String(hashConcurrency) } : {}),
});

const json = { "content-type": "application/json" };
const credentials = JSON.stringify({ email: "bench@example.com", password: "bench-password" });
const post = (path: string, body: string, headers: Record<string, string> = json) =>
  fetch(`${api.url}${path}`, { method: "POST", headers, body });

await post("/v1/auth/register", credentials);
const { accessToken } = (await (await post("/v1/auth/login", credentials)).json()) as { accessToken: string };
const auth = { ...json, authorization: `Bearer ${accessToken}` };
const job = (await (await post("/v1/jobs", JSON.stringify({ type: "echo", payload: 1 }), auth)).json()) as {
  id: string;
};

/** GET /v1/jobs/{id} one after another for `ms`; returns each request's latency. */
async function sampleReads(ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const started = performance.now();
    const res = await fetch(`${api.url}/v1/jobs/${job.id}`, { headers: auth });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /v1/jobs/{id} answered ${res.status}`);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

await sampleReads(1_000); // warm the JIT and the connection pool
const idle = (await sampleReads(phaseSeconds * 1_000)).sort((a, b) => a - b);

let stop = false;
const logins: Record<number, number> = {};
const clients = Array.from({ length: LOGIN_CLIENTS }, async () => {
  while (!stop) {
    const res = await post("/v1/auth/login", credentials);
    await res.arrayBuffer();
    logins[res.status] = (logins[res.status] ?? 0) + 1;
  }
});
await Bun.sleep(WARMUP_MS);
const loginsBefore = { ...logins };
const load = (await sampleReads(phaseSeconds * 1_000)).sort((a, b) => a - b);
stop = true;
await Promise.all(clients);
await api.stop();
await ctx.cleanup();

const during = Object.fromEntries(Object.entries(logins).map(([s, n]) => [s, n - (loginsBefore[Number(s)] ?? 0)]));
console.log(
  `GET /v1/jobs/{id}: ${idle.length} reads idle, ${load.length} under load; logins by status while measured: ` +
    `${JSON.stringify(during)} (${((during[200] ?? 0) / phaseSeconds).toFixed(1)} logins/s)`,
);
const result = {
  idleP50Ms: round(percentile(idle, 0.5)),
  idleP99Ms: round(percentile(idle, 0.99)),
  loadP50Ms: round(percentile(load, 0.5)),
  loadP99Ms: round(percentile(load, 0.99)),
  ratioP99: 0,
};
result.ratioP99 = round(result.loadP99Ms / result.idleP99Ms);
console.log(JSON.stringify(result));
process.exit(0);
