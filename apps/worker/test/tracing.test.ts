// OpenTelemetry traces through the real processes into a real Jaeger: one trace for a job, from the client's request
// to the api, through its publish, each attempt's process span and outgoing call (the target sees the trace), to the
// webhook that reports it; log lines carry the ids. Without tracing, the caller's traceparent still reaches the target.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import {
  type AppProcess,
  createTestContext,
  type JaegerServer,
  type JaegerSpan,
  spawnApp,
  startJaeger,
  type TestContext,
} from "@lineup/testkit";
import { apiUser, stopAndScan, waitFor } from "./support";

let ctx: TestContext;
let jaeger: JaegerServer;
const running: AppProcess[] = [];
const target = receiver();

beforeAll(async () => {
  ctx = await createTestContext("tracing");
  jaeger = await startJaeger();
});
afterAll(async () => {
  target.stop();
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await jaeger?.dispose();
  await ctx.cleanup();
});

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

async function start(app: "api" | "worker", env: Record<string, string>): Promise<AppProcess> {
  const p = await spawnApp(app, {
    ...ctx.env,
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    RETRY_BACKOFF_MS: "50",
    WEBHOOK_RETRY_BASE_MS: "100",
    LOG_LEVEL: "info",
    ...env,
  });
  running.push(p);
  return p;
}

/** Submits an http job (its first delivery answered 500) with a webhook, in the caller's trace; waits for its end. */
async function runJob(api: AppProcess, queue: string, traceparent: string) {
  const user = await apiUser(api);
  const res = await fetch(`${api.url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}`, traceparent },
    body: JSON.stringify({
      type: "http",
      payload: { url: `${target.url}job`, method: "POST", body: { failFirst: true } },
      group: "traced",
      maxAttempts: 3,
      callbackUrl: `${target.url}hook`,
    }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await waitFor(
    async () => {
      const doc = await ctx.db.collection<JobDoc>("jobs").findOne({ _id: id, queue });
      return doc?.status === "succeeded" && doc.callback?.status === "delivered";
    },
    15_000,
    50,
  );
  return id;
}

describe("traces", () => {
  it("follow a job from the client's request through a retry to its target and its webhook, in one trace", async () => {
    const queue = `${ctx.queueName}-on`;
    const otel = {
      QUEUE_NAME: queue,
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: "100",
    };
    // The api sends protobuf (the default), the worker JSON: both protocols reach Jaeger.
    const api = await start("api", otel);
    const worker = await start("worker", { ...otel, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", WORKER_ID: "w-traced" });
    const [traceId, callerSpan] = [hex(16), hex(8)];
    const id = await runJob(api, queue, `00-${traceId}-${callerSpan}-01`);

    const spans = await waitFor(
      async () => {
        const trace = await jaeger.trace(traceId);
        if (!trace) return null;
        const names = trace.spans.map((s) => s.operationName);
        const done = names.filter((n) => n === "POST").length >= 3 && names.includes("POST /v1/jobs");
        return done ? trace : null;
      },
      20_000,
      200,
    ).catch(() => {
      throw new Error(`Jaeger has no whole trace ${traceId}; its log:\n${jaeger.log()}`);
    });
    const services = new Set(Object.values(spans.processes).map((p) => p.serviceName));
    expect([...services].sort()).toEqual(["lineup-api", "lineup-worker"]);
    const byName = (name: string) => spans.spans.filter((s) => s.operationName === name);
    // A process span is parented to the publish span and linked to it: Jaeger shows that one reference as FOLLOWS_FROM.
    const parentOf = (s: JaegerSpan) =>
      (s.references.find((r) => r.refType === "CHILD_OF") ?? s.references.find((r) => r.refType === "FOLLOWS_FROM"))
        ?.spanID;
    const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;

    // The api's request span, a child of the caller's span; the job's publish span under it.
    const [request] = byName("POST /v1/jobs");
    expect(parentOf(request as JaegerSpan)).toBe(callerSpan);
    expect(tag(request as JaegerSpan, "http.response.status_code")).toBe(202);
    const [publish] = byName(`publish ${queue}`);
    expect(parentOf(publish as JaegerSpan)).toBe(request?.spanID);
    expect(tag(publish as JaegerSpan, "messaging.message.id")).toBe(id);
    expect(tag(publish as JaegerSpan, "messaging.system")).toBe("lineup");

    // One process span per attempt, each a child of the publish span, the first with its wait in line.
    const attempts = byName(`process ${queue}`).sort((a, b) => a.startTime - b.startTime);
    expect(attempts.map((s) => [parentOf(s), tag(s, "lineup.job.attempt"), tag(s, "lineup.job.outcome")])).toEqual([
      [publish?.spanID, 1, "retrying"],
      [publish?.spanID, 2, "succeeded"],
    ]);
    expect(tag(attempts[0] as JaegerSpan, "lineup.job.wait_ms")).toBeNumber();

    // Each attempt's call to the target is its child, and the target got that span as its parent.
    const calls = byName("POST").filter((s) => tag(s, "lineup.webhook.attempt") === undefined);
    expect(calls.map(parentOf).sort()).toEqual(attempts.map((s) => s.spanID).sort());
    expect(calls.map((s) => tag(s, "http.response.status_code")).sort()).toEqual([200, 500]);
    const seen = target.requests.filter((r) => r.path === "/job" && r.traceId === traceId);
    expect(seen.map((r) => r.parentSpan).sort()).toEqual(calls.map((s) => s.spanID).sort());

    // The webhook's delivery, in the same trace, and the receiver saw it.
    const [delivery] = byName("POST").filter((s) => tag(s, "lineup.webhook.attempt") !== undefined);
    expect(parentOf(delivery as JaegerSpan)).toBe(publish?.spanID);
    expect(target.requests.find((r) => r.path === "/hook")?.traceId).toBe(traceId);

    // Log lines of the job's attempts and of the request carry the trace.
    const workerLines = worker.lines.filter((l) => l.includes(id));
    expect(workerLines.some((l) => l.includes(`"trace_id":"${traceId}"`))).toBe(true);
    expect(api.lines.some((l) => l.includes(`"trace_id":"${traceId}"`) && l.includes('"route":"/v1/jobs"'))).toBe(true);
  }, 60_000);

  it("without an endpoint makes no span, and the caller's trace still reaches the target", async () => {
    const queue = `${ctx.queueName}-off`;
    const api = await start("api", { QUEUE_NAME: queue });
    await start("worker", { QUEUE_NAME: queue, WORKER_ID: "w-untraced" });
    const [traceId, callerSpan] = [hex(16), hex(8)];
    await runJob(api, queue, `00-${traceId}-${callerSpan}-01`);
    const seen = target.requests.filter((r) => r.path === "/job" && r.traceId === traceId);
    expect(seen.map((r) => r.parentSpan)).toEqual([callerSpan, callerSpan]);
    expect(api.lines.some((l) => l.includes("trace_id"))).toBe(false);
    await Bun.sleep(500);
    expect(await jaeger.trace(traceId)).toBeNull();
  }, 60_000);
});

/** The http jobs' target (the first request of each job answered 500) and the webhook receiver, recording traceparent. */
function receiver() {
  const requests: { path: string; traceId?: string; parentSpan?: string }[] = [];
  const tries = new Map<string, number>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const [, traceId, parentSpan] = (req.headers.get("traceparent") ?? "").split("-");
      requests.push({ path, traceId, parentSpan });
      await req.arrayBuffer();
      if (path === "/hook") return new Response(null, { status: 204 });
      const key = req.headers.get("idempotency-key") ?? "";
      const n = (tries.get(key) ?? 0) + 1;
      tries.set(key, n);
      return n === 1 ? new Response("not yet", { status: 500 }) : Response.json({ ok: true });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, requests, stop: () => server.stop(true) };
}
