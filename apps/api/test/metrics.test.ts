import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;

beforeAll(async () => {
  ctx = await createTestContext("metrics");
  api = await makeApp(ctx);
});
afterAll(() => ctx.cleanup());

/** Scrapes /metrics; counters are updated just after each response is sent, so let them land first. */
async function scrape(options: { token?: string } = {}) {
  await Bun.sleep(20);
  return api.call("GET", "/metrics", options);
}

/** The value of one series in Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = text
    .split("\n")
    .find(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("GET /metrics", () => {
  it("counts requests by route template, never by concrete path", async () => {
    const email = uniqueEmail("metrics");
    await api.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
    const token = (await api.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body
      .accessToken;
    const job = (await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1 } })).body;
    await api.call("GET", `/v1/jobs/${job.id}`, { token });
    await api.call("GET", "/v1/jobs/0123456789abcdef01234567", { token });

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = res.text;
    expect(sample(text, "lineup_http_requests_total", { method: "GET", route: "/v1/jobs/:id", status: "200" })).toBe(1);
    expect(sample(text, "lineup_http_requests_total", { method: "GET", route: "/v1/jobs/:id", status: "404" })).toBe(1);
    expect(sample(text, "lineup_http_requests_total", { method: "POST", route: "/v1/jobs", status: "202" })).toBe(1);
    expect(sample(text, "lineup_http_request_duration_seconds_count", { route: "/v1/jobs/:id" })).toBe(2);
    expect(sample(text, "lineup_jobs_submitted_total", { type: "echo" })).toBe(1);
    expect(text).not.toContain(job.id);
    expect(text).not.toContain(email);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("labels unknown routes as unmatched", async () => {
    await api.call("GET", "/no/such/route/12345");
    const text = (await scrape()).text;
    expect(sample(text, "lineup_http_requests_total", { route: "unmatched", status: "404" })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain("12345");
  });

  it("reads queued jobs, ready and running groups and the oldest ready job's age on each scrape", async () => {
    const email = uniqueEmail("depth");
    await api.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
    const token = (await api.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body
      .accessToken;
    const before = sample((await api.call("GET", "/metrics")).text, "lineup_queue_queued_jobs") as number;
    const readyBefore = sample((await api.call("GET", "/metrics")).text, "lineup_queue_ready_groups") as number;
    await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 2, group: "grp-one" } });
    await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 3, group: "grp-one" } });
    await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 4, group: "grp-two" } });
    await Bun.sleep(50);
    const text = (await api.call("GET", "/metrics")).text;
    expect(sample(text, "lineup_queue_queued_jobs", { queue: ctx.queueName })).toBe(before + 3);
    // Two groups, each with its head waiting for a slot: the second job of grp-one waits behind its head.
    expect(sample(text, "lineup_queue_ready_groups")).toBe(readyBefore + 2);
    expect(sample(text, "lineup_queue_groups_in_flight")).toBe(0);
    expect(sample(text, "lineup_queue_retrying_groups")).toBe(0);
    expect(sample(text, "lineup_queue_oldest_ready_age_seconds")).toBeGreaterThan(0);
    expect(sample(text, "lineup_queue_dead_jobs")).toBe(0);
    expect(sample(text, "lineup_queue_workers_alive")).toBe(0);
    // No label names a group or a user (group names no queue name can contain: queues are `metrics-<hex>`).
    expect(text).not.toContain("grp-one");
    expect(text).not.toContain("grp-two");
  });

  it("says which store stopped answering, within READY_TIMEOUT_MS, and keeps the queue gauges' last values", async () => {
    const own = await createTestContext("metrics-hung", { ownRedis: true });
    try {
      const app = await makeApp(own, { env: { READY_TIMEOUT_MS: "500" } });
      const up = (await app.call("GET", "/metrics")).text;
      expect(sample(up, "lineup_dependency_up", { dependency: "redis" })).toBe(1);
      expect(sample(up, "lineup_dependency_up", { dependency: "mongo" })).toBe(1);
      own.redis.pause();
      const started = performance.now();
      const hung = await app.call("GET", "/metrics");
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(hung.status).toBe(200);
      expect(sample(hung.text, "lineup_dependency_up", { dependency: "redis" })).toBe(0);
      expect(sample(hung.text, "lineup_dependency_up", { dependency: "mongo" })).toBe(1);
      expect(sample(hung.text, "lineup_queue_queued_jobs")).toBe(sample(up, "lineup_queue_queued_jobs") as number);
      own.redis.resume();
      await Bun.sleep(100);
      const back = (await app.call("GET", "/metrics")).text;
      expect(sample(back, "lineup_dependency_up", { dependency: "redis" })).toBe(1);
    } finally {
      own.redis.resume();
      await own.cleanup();
    }
  });

  it("needs the bearer token when METRICS_TOKEN is set", async () => {
    const guarded = await makeApp(ctx, { env: { METRICS_TOKEN: "metrics-token-0123456789" } });
    expect((await guarded.call("GET", "/metrics")).status).toBe(401);
    expect((await guarded.call("GET", "/metrics", { token: "wrong-token-0123456789" })).status).toBe(401);
    const ok = await guarded.call("GET", "/metrics", { token: "metrics-token-0123456789" });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("lineup_http_requests_total");
  });
});
