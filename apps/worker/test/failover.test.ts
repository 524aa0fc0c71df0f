// A Redis Cluster master killed under load: its replica takes over, perhaps without the master's last writes (Redis
// replicates asynchronously). Every job that got a 202 still succeeds, once on the record, and every group keeps its
// order: the workers notice the new master and rebuild what it lacks from MongoDB before they take another job.
import { afterAll, beforeAll, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { allSucceeded, stopAndScan, waitFor } from "./support";

let ctx: TestContext;
const running: AppProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext("failover", { cluster: true });
});
afterAll(async () => {
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

it("keeps every accepted job, once on the record and in its group's order, through a master's kill -9", async () => {
  const env = {
    ...ctx.env,
    LOG_LEVEL: "warn",
    WORKER_LEASE_MS: "2000",
    RECONCILE_INTERVAL_MS: "1000",
    RECONCILE_GRACE_MS: "2000",
    WORKER_CONCURRENCY: "4",
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
  };
  // Jobs take 50 ms at this target, slower than the clients submit: a backlog waits in Redis when the master dies.
  const target = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async () => {
      await Bun.sleep(50);
      return Response.json({ ok: true });
    },
  });
  const api = await spawnApp("api", env);
  running.push(api);
  for (const id of ["a", "b"]) running.push(await spawnApp("worker", { ...env, WORKER_ID: `w-failover-${id}` }));
  const headers = { "content-type": "application/json" };
  const creds = JSON.stringify({ email: "failover@example.com", password: "password123" });
  await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers, body: creds });
  const login = await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers, body: creds });
  const bearer = `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`;

  // Six clients, each submitting to its own groups in turn; a 503 during the failover is retried by the client.
  const accepted: { id: string; group: string; n: number }[] = [];
  let stopped = false;
  const clients = Array.from({ length: 6 }, async (_, c) => {
    for (let n = 0; !stopped; n++) {
      const group = `g${c}-${n % 4}`;
      const res = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers: { ...headers, authorization: bearer },
        body: JSON.stringify({
          type: "http",
          group,
          payload: { url: `http://127.0.0.1:${target.port}/`, method: "POST", body: JSON.stringify({ group, n }) },
        }),
      }).catch(() => null);
      if (res?.status === 202) accepted.push({ id: ((await res.json()) as { id: string }).id, group, n });
      else await Bun.sleep(50);
    }
  });

  await waitFor(async () => accepted.length >= 150, 30_000, 50);
  // The replica stops while its master goes on acknowledging writes: first some megabytes of filler, more than the
  // replica's socket buffers hold, then jobs. The master dies; the replica takes over without them: jobs with a 202
  // that its copy of Redis never saw.
  const cluster = ctx.cluster as NonNullable<TestContext["cluster"]>;
  const [victim] = (await cluster.masters()) as [number];
  const heir = await cluster.replicaOf(victim);
  cluster.pauseNode(heir);
  const filler = "x".repeat(1024 * 1024);
  for (let i = 0; i < 48; i++) await ctx.redisClient.set(`failover-filler-${i}`, filler);
  const during = accepted.length;
  await waitFor(async () => accepted.length >= during + 40, 30_000, 20);
  await cluster.kill(victim);
  cluster.resumeNode(heir);
  await cluster.waitHealthy(30_000);
  const before = accepted.length;
  await waitFor(async () => accepted.length >= before + 150, 60_000, 50);
  stopped = true;
  await Promise.all(clients);

  const ids = accepted.map((a) => a.id);
  const docs = await allSucceeded(ctx, ids);
  const byId = new Map(docs.map((d) => [d._id, d]));
  // The new master lacked jobs with a 202, and the workers put them back from MongoDB.
  const restored = running
    .flatMap((p) => p.lines)
    .filter((l) => l.includes("reconciler put jobs back"))
    .reduce((sum, l) => sum + (JSON.parse(l) as { restored: number }).restored, 0);
  expect(restored).toBeGreaterThan(0);
  target.stop(true);
  // Once on the record: exactly one attempt ended in success.
  for (const doc of docs) expect((doc.history ?? []).filter((a) => a.outcome === "succeeded")).toHaveLength(1);
  // Each group in submission order: seq grows with it, and each job starts only after the one before it ended.
  const groups = new Map<string, { id: string; n: number }[]>();
  for (const a of accepted) groups.set(a.group, [...(groups.get(a.group) ?? []), a]);
  for (const members of groups.values()) {
    const inOrder = members.sort((x, y) => x.n - y.n).map((m) => byId.get(m.id) as JobDoc);
    for (let i = 1; i < inOrder.length; i++) {
      const [prev, cur] = [inOrder[i - 1] as JobDoc, inOrder[i] as JobDoc];
      expect(cur.seq as number).toBeGreaterThan(prev.seq as number);
      expect((cur.firstStartedAt as Date).getTime()).toBeGreaterThanOrEqual((prev.finishedAt as Date).getTime());
    }
  }
}, 240_000);
