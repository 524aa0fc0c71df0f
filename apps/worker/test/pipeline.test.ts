// End to end: the real api and worker processes, real redis-server and Mongo-wire server, over HTTP.
// "The worker" here is a fleet of 3 worker processes with 4 slots each: the single line's guarantees must hold
// however many slots could take its jobs.
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { stopAndScan, waitFor, workerFleet } from "./support";

// Each test gets its own database and queue, so no test sees another's jobs.
let ctx: TestContext;
let env: Record<string, string>;
const running: AppProcess[] = [];

beforeEach(async () => {
  ctx = await createTestContext("pipeline");
  env = {
    ...ctx.env,
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    RETRY_BACKOFF_MS: "20",
    RECONCILE_INTERVAL_MS: "500",
    RECONCILE_GRACE_MS: "1000",
    WORKER_LEASE_MS: "2000",
    WORKER_ID: "w-e2e",
    LOG_LEVEL: "warn",
  };
});
afterEach(async () => {
  // Whatever happened in the test, no log line of the real processes may carry a token, hash or password.
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

async function start(app: "api" | "worker", extra: Record<string, string> = {}): Promise<AppProcess> {
  const p =
    app === "api"
      ? await spawnApp(app, { ...env, ...extra })
      : await workerFleet((own) => spawnApp(app, { ...env, ...extra, ...own }), {
          processes: 3,
          slots: 4,
          baseId: env.WORKER_ID as string,
        });
  running.push(p);
  return p;
}

async function user(api: AppProcess): Promise<string> {
  const email = `u.${crypto.randomUUID().slice(0, 8)}@example.com`;
  const body = JSON.stringify({ email, password: "password123" });
  const headers = { "content-type": "application/json" };
  await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers, body });
  const res = await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers, body });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

function submit(api: AppProcess, token: string, job: unknown): Promise<Response> {
  return fetch(`${api.url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(job),
  });
}

const jobs = () => ctx.db.collection<JobDoc>("jobs");

/** Clients (four by default) submitting echo jobs until stopped, to whichever api is current; collects the 202s. */
function keepSubmitting(currentApi: () => AppProcess, token: string, clients = 4) {
  const accepted: string[] = [];
  let stopped = false;
  const loop = async () => {
    for (let i = 0; !stopped; i++) {
      const res = await submit(currentApi(), token, { type: "echo", payload: i }).catch(() => null);
      if (res?.status === 202) accepted.push(((await res.json()) as { id: string }).id);
      else await Bun.sleep(20);
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    accepted,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * A worker fleet and an api that clients submit to (keepSubmitting) while it is killed with kill -9 and started
 * again `kills` times, a random pause within `pauseMs` apart. `api()` is the one running now.
 */
async function submitAcrossApiKills(o: { kills: number; clients: number; pauseMs: [number, number] }) {
  const worker = await start("worker");
  let api = await start("api");
  const token = await user(api);
  const load = keepSubmitting(() => api, token, o.clients);
  const [min, max] = o.pauseMs;
  for (let k = 0; k < o.kills; k++) {
    await Bun.sleep(min + Math.random() * (max - min));
    api.proc.kill("SIGKILL");
    await api.proc.exited;
    api = await start("api");
  }
  return { worker, api: () => api, load };
}

async function allFinished(ids: string[], timeoutMs = 60_000): Promise<JobDoc[]> {
  const final = (d: JobDoc) => ["succeeded", "failed", "canceled"].includes(d.status);
  return waitFor(
    async () => {
      const docs = await jobs()
        .find({ _id: { $in: ids } })
        .toArray();
      return docs.length === ids.length && docs.every(final) ? docs : null;
    },
    timeoutMs,
    250,
  ).catch(async (err) => {
    // What a failure leaves to go on: the jobs not final, as their records stand.
    const docs = await jobs()
      .find({ _id: { $in: ids } })
      .toArray();
    const open = docs.filter((d) => !final(d));
    console.log("not final:", open.length, "missing:", ids.length - docs.length, open.slice(0, 5).map(brief));
    throw err;
  });
}

/** A job's record in a line, for a failure's log. */
const brief = (d: JobDoc) => ({ id: d._id, status: d.status, attempts: d.attempts, seq: d.seq, line: d.line });

/** Asserts the jobs started in seq order, each after the one before it had finished. */
function expectStrictOrder(docs: JobDoc[]) {
  const bySeq = [...docs].sort((a, b) => (a.seq as number) - (b.seq as number));
  // Times are in ms: a job that starts in the same ms as the one before it ends is ordered by seq (the check below
  // that each starts no earlier than the one before it finished is what proves the order).
  const byStart = [...docs].sort(
    (a, b) =>
      (a.startedAt as Date).getTime() - (b.startedAt as Date).getTime() || (a.seq as number) - (b.seq as number),
  );
  expect(byStart.map((d) => d.seq)).toEqual(bySeq.map((d) => d.seq));
  for (let i = 1; i < bySeq.length; i++) {
    const [prev, cur] = [bySeq[i - 1] as JobDoc, bySeq[i] as JobDoc];
    expect((cur.startedAt as Date).getTime()).toBeGreaterThanOrEqual((prev.finishedAt as Date).getTime());
  }
}

/** A local HTTP target that takes a while to answer and records each delivery's Idempotency-Key. */
function slowTarget(minMs: number, maxMs: number) {
  const deliveries: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      deliveries.push(req.headers.get("idempotency-key") ?? "?");
      await Bun.sleep(minMs + Math.random() * (maxMs - minMs));
      return Response.json({ ok: true });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/hook`, deliveries, stop: () => server.stop(true) };
}

describe("the ordered pipeline", () => {
  it("runs 300 interleaved jobs from 3 users in seq order, one after another, invisible to other users", async () => {
    const api = await start("api");
    const worker = await start("worker");
    const tokens = await Promise.all([user(api), user(api), user(api)]);
    const ids: string[] = [];
    const owner = new Map<string, number>();
    for (let batch = 0; batch < 30; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const u = (batch * 10 + i) % 3;
          return submit(api, tokens[u] as string, { type: "echo", payload: { n: batch * 10 + i, u } }).then(
            async (r) => [u, r.status, (await r.json()) as { id: string }] as const,
          );
        }),
      );
      for (const [u, status, body] of responses) {
        expect(status).toBe(202);
        ids.push(body.id);
        owner.set(body.id, u);
      }
    }
    const docs = await allFinished(ids).catch(async (err) => {
      const stuck = await jobs()
        .find({ _id: { $in: ids }, status: { $nin: ["succeeded"] } })
        .toArray();
      console.log(
        "STUCK",
        stuck,
        worker.lines.filter((l) => stuck.some((s) => l.includes(s._id))).join("\n"),
        api.lines.filter((l) => stuck.some((s) => l.includes(s._id))).join("\n"),
      );
      console.log(worker.lines.slice(0, 40).join("\n"));
      throw err;
    });
    expect(docs.every((d) => d.status === "succeeded")).toBe(true);
    expect(docs.every((d) => d.resultJson === d.payloadJson)).toBe(true);
    expect(new Set(docs.map((d) => d.seq)).size).toBe(300);
    expectStrictOrder(docs);

    const sample = ids[7] as string;
    const mine = await fetch(`${api.url}/v1/jobs/${sample}`, {
      headers: { authorization: `Bearer ${tokens[owner.get(sample) as number]}` },
    });
    expect(((await mine.json()) as { status: string }).status).toBe("succeeded");
    const other = tokens[((owner.get(sample) as number) + 1) % 3] as string;
    expect(
      (await fetch(`${api.url}/v1/jobs/${sample}`, { headers: { authorization: `Bearer ${other}` } })).status,
    ).toBe(404);
    const listed = (await (
      await fetch(`${api.url}/v1/jobs?limit=100`, { headers: { authorization: `Bearer ${other}` } })
    ).json()) as {
      items: { id: string }[];
    };
    expect(listed.items.some((j) => j.id === sample)).toBe(false);
    expect(worker.lines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    await api.stop();
    await worker.stop();
  }, 120_000);

  it("skips a job canceled while it waits behind a slow one", async () => {
    const target = slowTarget(600, 600);
    const api = await start("api");
    const worker = await start("worker");
    const token = await user(api);
    const slow = (await (
      await submit(api, token, { type: "http", payload: { url: target.url, method: "POST" } })
    ).json()) as { id: string };
    const a = (await (await submit(api, token, { type: "echo", payload: "a" })).json()) as { id: string };
    const b = (await (await submit(api, token, { type: "echo", payload: "b" })).json()) as { id: string };
    const c = (await (await submit(api, token, { type: "echo", payload: "c" })).json()) as { id: string };
    const cancel = await fetch(`${api.url}/v1/jobs/${b.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(cancel.status).toBe(200);
    const docs = await allFinished([slow.id, a.id, b.id, c.id]);
    const status = Object.fromEntries(docs.map((d) => [d._id, d]));
    expect(status[slow.id]?.status).toBe("succeeded");
    expect(status[a.id]?.status).toBe("succeeded");
    expect(status[b.id]?.status).toBe("canceled");
    expect(status[b.id]?.startedAt).toBeUndefined();
    expect(status[c.id]?.status).toBe("succeeded");
    await api.stop();
    await worker.stop();
    target.stop();
  }, 60_000);
});

describe("crashes", () => {
  it("survives 10 kill -9 of the worker: every job succeeds once on record, first deliveries in seq order", async () => {
    const target = slowTarget(20, 80);
    const api = await start("api");
    let worker = await start("worker");
    const token = await user(api);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      // Every fifth job is due later, at some moment during the kills: it moves into the line as they happen.
      const later = i % 5 === 4 ? { delayMs: 200 + Math.floor(Math.random() * 3_000) } : {};
      const res = await submit(api, token, {
        type: "http",
        payload: { url: target.url, method: "POST", body: String(i) },
        maxAttempts: 10,
        ...later,
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const kills = 10;
    for (let k = 0; k < kills; k++) {
      await Bun.sleep(150 + Math.random() * 350);
      worker.proc.kill("SIGKILL");
      await worker.proc.exited;
      worker = await start("worker");
    }
    const docs = await allFinished(ids, 90_000);
    expect(docs.filter((d) => d.status !== "succeeded")).toEqual([]);
    const seqOrder = [...docs].sort((a, b) => (a.seq as number) - (b.seq as number)).map((d) => d._id);
    const firstDeliveries = [...new Set(target.deliveries)];
    expect(firstDeliveries).toEqual(seqOrder);
    expect(target.deliveries.length - ids.length).toBeLessThanOrEqual(kills);
    expect(await ctx.redisClient.llen(`lineup:{${ctx.queueName}}:dead`)).toBe(0);
    await worker.stop();
    await api.stop();
    target.stop();
  }, 180_000);

  it("completes every job the api accepted with 202, across kill -9 of the api mid-submit", async () => {
    const { worker, api, load } = await submitAcrossApiKills({ kills: 3, clients: 4, pauseMs: [200, 500] });
    await waitFor(async () => load.accepted.length >= 40, 30_000);
    await load.stop();
    const docs = await allFinished(load.accepted, 60_000);
    expect(docs.filter((d) => d.status !== "succeeded")).toEqual([]);
    await api().stop();
    await worker.stop();
  }, 120_000);

  it("runs every group-committed submission that got a 202 once, in seq order, across kill -9 of the api mid-batch", async () => {
    // Eight clients at once: most of the time one insert is in flight and the next batch is gathering behind it.
    const { worker, api, load } = await submitAcrossApiKills({ kills: 5, clients: 8, pauseMs: [150, 500] });
    await waitFor(async () => load.accepted.length >= 60, 30_000);
    await load.stop();
    await allFinished(load.accepted, 60_000);
    // Every job on record, the 202'd ones and any a kill cut off before its answer (the reconciler queues those),
    // ends succeeded after one run, all of them in seq order in the queue's one line.
    const docs = await waitFor(
      async () => {
        const all = await jobs().find({ queue: ctx.queueName }).toArray();
        return all.every((d) => d.status === "succeeded") ? all : null;
      },
      30_000,
      250,
    );
    expect(new Set(docs.map((d) => d._id))).toEqual(new Set([...docs.map((d) => d._id), ...load.accepted]));
    expect(docs.filter((d) => d.attempts !== 1)).toEqual([]);
    expectStrictOrder(docs);
    await api().stop();
    await worker.stop();
  }, 120_000);

  it("completes every acknowledged job across a Redis kill -9 and restart (AOF everysec)", async () => {
    const api = await start("api");
    const worker = await start("worker");
    const token = await user(api);
    const load = keepSubmitting(() => api, token);
    await waitFor(async () => load.accepted.length >= 20, 30_000);
    await ctx.redis.restart();
    const before = load.accepted.length;
    await waitFor(async () => load.accepted.length >= before + 20, 30_000);
    await load.stop();
    const docs = await allFinished(load.accepted, 60_000);
    expect(docs.filter((d) => d.status !== "succeeded")).toEqual([]);
    expectStrictOrder(docs);
    await api.stop();
    await worker.stop();
  }, 120_000);
});
