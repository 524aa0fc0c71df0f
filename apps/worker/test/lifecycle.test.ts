import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, spawnApp, type TestContext } from "@lineup/testkit";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("worker");
});
afterAll(() => ctx.cleanup());

describe("the worker process", () => {
  it("connects, serves /healthz and exits 0 on SIGTERM", async () => {
    const worker = await spawnApp("worker", { ...ctx.env, WORKER_ID: "w-test" });
    const health = await fetch(`${worker.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    await worker.waitForLine(/"msg":"worker ready"/);
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain("lineup_worker_heartbeat_timestamp_seconds");
    expect(text).toContain("process_cpu_seconds_total");
    const code = await worker.stop("SIGTERM");
    if (code !== 0) console.error(worker.lines.join("\n"));
    expect(code).toBe(0);
    expect(worker.lines.some((l) => l.includes('"msg":"worker stopped"'))).toBe(true);
  });

  it("refuses to start with bad configuration", async () => {
    const worker = await spawnApp("worker", { ...ctx.env, WORKER_ID: "bad id with spaces" }, { waitReady: false });
    expect(await worker.proc.exited).toBe(1);
    await Bun.sleep(50);
    expect(worker.lines.join("\n")).toContain("WORKER_ID");
  });
});
