// End to end, ordered groups: many groups across 4 worker processes x 4 slots, with kill -9 of workers while they
// run. The http target keeps its own log of every delivery, the ground truth for order and overlap.
import { afterEach, beforeEach, expect, it } from "bun:test";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { allSucceeded, stopAndScan } from "./support";

let ctx: TestContext;
const running: AppProcess[] = [];

beforeEach(async () => {
  ctx = await createTestContext("groups");
});
afterEach(async () => {
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

const env = () => ({
  ...ctx.env,
  HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
  RETRY_BACKOFF_MS: "20",
  RECONCILE_INTERVAL_MS: "1000",
  RECONCILE_GRACE_MS: "2000",
  WORKER_LEASE_MS: "2000",
  WORKER_CONCURRENCY: "4",
  LOG_LEVEL: "warn",
  MAX_QUEUED_PER_USER: "100000",
});

type Delivery = { job: string; group: string; n: number; start: number; end: number };

/** A local target that takes `ms` per request and logs each delivery with its job id (the Idempotency-Key). */
function target(ms: number) {
  const deliveries: Delivery[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const start = performance.now();
      const { group, n } = (await req.json()) as { group: string; n: number };
      await Bun.sleep(ms);
      deliveries.push({ job: req.headers.get("idempotency-key") ?? "?", group, n, start, end: performance.now() });
      return Response.json({ ok: true });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, deliveries, stop: () => server.stop(true) };
}

async function token(api: AppProcess): Promise<string> {
  const headers = { "content-type": "application/json" };
  const body = JSON.stringify({ email: `g.${crypto.randomUUID().slice(0, 8)}@example.com`, password: "password123" });
  await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers, body });
  const res = await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers, body });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

it("runs 100 groups x 20 http jobs on 4 workers x 4 slots through 10 kill -9: each group in order, never overlapping, nothing lost", async () => {
  const GROUPS = 100;
  const PER_GROUP = 20;
  const hook = target(50);
  const api = await spawnApp("api", env());
  running.push(api);
  const workers: AppProcess[] = [];
  let next = 0;
  const startWorker = async () => {
    next += 1;
    const w = await spawnApp("worker", { ...env(), WORKER_ID: `w-groups-${next}` });
    running.push(w);
    return w;
  };
  for (let i = 0; i < 4; i++) workers.push(await startWorker());

  const bearer = `Bearer ${await token(api)}`;
  const ids: string[] = [];
  // Submitted round by round (job n of every group), 10 requests in flight, so every group always has work queued.
  const submitting = (async () => {
    for (let n = 0; n < PER_GROUP; n++) {
      for (let g = 0; g < GROUPS; g += 10) {
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, i) => {
            const group = `g${g + i}`;
            return fetch(`${api.url}/v1/jobs`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: bearer },
              body: JSON.stringify({
                type: "http",
                group,
                maxAttempts: 10,
                payload: { url: hook.url, method: "POST", body: JSON.stringify({ group, n }) },
              }),
            });
          }),
        );
        for (const res of responses) {
          expect(res.status).toBe(202);
          ids.push(((await res.json()) as { id: string }).id);
        }
      }
    }
  })();

  // Ten kill -9 of a random worker while jobs run; each is replaced by a new worker process.
  for (let k = 0; k < 10; k++) {
    await Bun.sleep(300 + Math.random() * 500);
    const victim = Math.floor(Math.random() * workers.length);
    const dead = workers[victim] as AppProcess;
    dead.proc.kill("SIGKILL");
    await dead.proc.exited;
    workers[victim] = await startWorker();
  }
  await submitting;

  const docs = await allSucceeded(ctx, ids);
  expect(docs).toHaveLength(GROUPS * PER_GROUP);

  const seqOf = new Map(docs.map((d) => [d._id, d.seq as number]));
  const byGroup = new Map<string, Delivery[]>();
  for (const d of hook.deliveries) byGroup.set(d.group, [...(byGroup.get(d.group) ?? []), d]);
  expect(byGroup.size).toBe(GROUPS);
  for (const deliveries of byGroup.values()) {
    const byStart = [...deliveries].sort((a, b) => a.start - b.start);
    // First deliveries in seq order (a job delivered again after a kill keeps its place).
    const firsts = [...new Set(byStart.map((d) => d.job))];
    expect(firsts).toHaveLength(PER_GROUP);
    const seqs = firsts.map((job) => seqOf.get(job) as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(byStart.filter((d) => d.job === firsts[0]).map((d) => d.n)).toContain(0);
    // No two different jobs of one group ever overlap at the target.
    for (let i = 1; i < byStart.length; i++) {
      const [prev, cur] = [byStart[i - 1] as Delivery, byStart[i] as Delivery];
      if (prev.job !== cur.job) expect(cur.start).toBeGreaterThanOrEqual(prev.end);
    }
  }
  // At least once: a kill can repeat a delivery, never more than once per kill and slot.
  expect(hook.deliveries.length - ids.length).toBeLessThanOrEqual(10 * 4);
  expect(await ctx.redisClient.zcard(`lineup:{${ctx.queueName}}:dead`)).toBe(0);
  hook.stop();
}, 240_000);
