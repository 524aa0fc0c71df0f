// A worker whose slots make no progress says so: here its blocking take never settles (as ioredis once let a take in
// flight across a connection drop hang for ever), and /healthz, /readyz and lineup_worker_stalled tell, while Redis
// and MongoDB answer. Any other stall looks the same from outside; the alert and the liveness probe act on it.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { checkReadiness } from "@lineup/health";
import { createTestContext, type TestContext } from "@lineup/testkit";
import type Redis from "ioredis";
import { startProbeServer } from "../src/probe-server";
import { startWorker, submit, waitFor } from "./support";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("stall");
});
afterAll(() => ctx.cleanup());

/** The blocking connection, but its takes hang until the connection ends. */
function hangingTakes(real: Redis): Redis {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== "blmove") return Reflect.get(target, prop, receiver);
      return () => new Promise((resolve) => target.once("end", () => resolve(null)));
    },
  });
}

describe("a stalled worker", () => {
  it("answers 503 on /healthz and /readyz and shows lineup_worker_stalled 1 while its take hangs", async () => {
    const w = await startWorker(ctx, { blocking: hangingTakes, stallMs: 500 });
    const probes = startProbeServer({
      host: "127.0.0.1",
      port: 0,
      registry: w.registry,
      stalled: w.stalled,
      readiness: () => checkReadiness({ db: ctx.db, redis: ctx.redisClient, timeoutMs: 1_000 }),
    });
    try {
      const base = `http://127.0.0.1:${probes.port}`;
      await submit(ctx, w.queue, { payload: "never taken" });
      const health = await waitFor(async () => {
        const res = await fetch(`${base}/healthz`);
        return res.status === 503 ? res : null;
      }, 5_000);
      const body = (await health.json()) as { error: { code: string; message: string; details: unknown[] } };
      expect(body.error.code).toBe("unavailable");
      expect(body.error.message).toContain("take");
      expect(body.error.details).toEqual([expect.objectContaining({ dependency: "worker", status: "stalled" })]);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^lineup_worker_stalled\{[^}]*\} 1$/m);
    } finally {
      await probes.stop();
      await w.stop();
    }
  }, 20_000);

  it("is healthy and ready while idle slots wait on takes that time out as they should", async () => {
    const w = await startWorker(ctx, { queueName: `${ctx.queueName}-idle`, stallMs: 500 });
    const probes = startProbeServer({
      host: "127.0.0.1",
      port: 0,
      registry: w.registry,
      stalled: w.stalled,
      readiness: () => checkReadiness({ db: ctx.db, redis: ctx.redisClient, timeoutMs: 1_000 }),
    });
    try {
      const base = `http://127.0.0.1:${probes.port}`;
      // Longer than a blocking take's 2 s and the stall bound together.
      await Bun.sleep(3_000);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready", checks: { mongo: "ok", redis: "ok" } });
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^lineup_worker_stalled\{[^}]*\} 0$/m);
    } finally {
      await probes.stop();
      await w.stop();
    }
  }, 20_000);
});
