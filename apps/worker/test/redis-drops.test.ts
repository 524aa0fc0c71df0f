// Redis connections dropped at random moments while the real api and a 4-slot worker take, run, complete and chain
// jobs in six lines (one of jobs due a moment later, released into it as they fall due): CLIENT KILL of every client, and redis-server killed with -9 and started again from its AOF.
// After each drop, every job that got a 202 must succeed, in order per line, within 10 s of the api's /readyz; a
// long-poll and an SSE stream open across the drop must see the jobs through too. Run against a Redis Cluster
// (LINEUP_TEST_CLUSTER=1), a drop is a master killed at a random moment instead.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { stopAndScan, waitFor } from "./support";

// 20 of each kind of drop on a single Redis; 20 master kills on a cluster.
const ROUNDS = Number(process.env.LINEUP_DROP_ROUNDS ?? (process.env.LINEUP_TEST_CLUSTER === "1" ? 20 : 40));
const LINES = ["", "a", "b", "c", "d", "later"] as const; // "" is the queue's default line
// Line "later" holds jobs submitted to run 0.2 s later, each due after the one before: they join their line (and take
// their seq) as they fall due, through the drops.
let lastRunAt = 0;
const RECOVERY_MS = 10_000;

let ctx: TestContext;
let api: AppProcess;
let worker: AppProcess;
let token: string;
const running: AppProcess[] = [];
const target = recordingTarget();

beforeAll(async () => {
  ctx = await createTestContext("drops", { ownRedis: true });
  const env = {
    ...ctx.env,
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    RETRY_BACKOFF_MS: "20",
    WORKER_LEASE_MS: "2000",
    RECONCILE_INTERVAL_MS: "500",
    RECONCILE_GRACE_MS: "1000",
    WORKER_ID: "w-drops",
    WORKER_CONCURRENCY: "4",
    LOG_LEVEL: "warn",
    // Event streams catch up with the history on each heartbeat: an announcement lost in a cluster failover is late
    // by at most this much.
    SSE_HEARTBEAT_MS: "2000",
  };
  api = await spawnApp("api", env);
  worker = await spawnApp("worker", env);
  running.push(api, worker);
  token = await signUp(api);
});
afterAll(async () => {
  target.stop();
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

describe("Redis connections dropped at random moments", () => {
  it(`loses, repeats out of order and strands nothing across ${ROUNDS} drops`, async () => {
    const accepted = new Map<string, string[]>(LINES.map((line) => [line, []]));
    const stream = openEventStream(api, token);
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // A wave in every line, and the drop somewhere in its takes, runs, completions and chained takes.
      const wave = LINES.map(async (line) => {
        for (let i = 0; i < 4; i++) {
          const id = await submitUntilAccepted(api, token, line, n++);
          accepted.get(line)?.push(id);
        }
      });
      // A long-poll on the last job of line a so far, open across the drop.
      const waiter = longPoll(api, token, (accepted.get("a") ?? []).at(-1));
      await Bun.sleep(Math.random() * 250);
      await drop(round);
      await Promise.all(wave);
      const ready = await waitFor(() => isReady(api), 30_000, 25).then(() => performance.now());
      const ids = [...accepted.values()].flat();
      await allSucceededBy(ids, ready + RECOVERY_MS, round);
      // It answers with the job's final state: it heard the change, or read the record when the feed had a break.
      expect(await waiter).toBe(round === 0 ? null : "succeeded");
    }
    await stream.sawSucceeded([...accepted.values()].flat(), 15_000);
    stream.close();

    for (const [line, ids] of accepted) {
      const docs = await ctx.db
        .collection<JobDoc>("jobs")
        .find({ _id: { $in: ids } })
        .toArray();
      const byId = new Map(docs.map((d) => [d._id, d]));
      const inOrder = ids.map((id) => byId.get(id) as JobDoc);
      // Seq follows submission order in each line, and each job started after the one before it had finished.
      for (let i = 1; i < inOrder.length; i++) {
        const [prev, cur] = [inOrder[i - 1] as JobDoc, inOrder[i] as JobDoc];
        expect(cur.seq as number).toBeGreaterThan(prev.seq as number);
        expect((cur.startedAt as Date).getTime()).toBeGreaterThanOrEqual((prev.finishedAt as Date).getTime());
      }
      // The target saw each job's first delivery in the line's order.
      const first = [...new Set(target.deliveries.filter((d) => d.line === line).map((d) => d.id))];
      expect(first).toEqual(ids);
    }
  }, 600_000);
});

async function drop(round: number): Promise<void> {
  if (ctx.cluster) {
    // Its replica takes over, perhaps without the last writes; the node comes back as a replica for the next round.
    const masters = await ctx.cluster.masters();
    const victim = masters[Math.floor(Math.random() * masters.length)] as number;
    await ctx.cluster.kill(victim);
    await ctx.cluster.revive(victim);
    return;
  }
  if (round % 2 === 0) {
    await ctx.redisClient.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    return;
  }
  await ctx.redis.restart();
}

/** The jobs all succeeded before the deadline; else fails naming what is stuck and what the worker said. */
async function allSucceededBy(ids: string[], deadline: number, round: number): Promise<void> {
  const jobs = ctx.db.collection<JobDoc>("jobs");
  for (;;) {
    const pending = await jobs.countDocuments({ _id: { $in: ids }, status: { $ne: "succeeded" } });
    if (pending === 0) return;
    if (performance.now() > deadline) {
      const stuck = await jobs.find({ _id: { $in: ids }, status: { $ne: "succeeded" } }).toArray();
      const sample = stuck.slice(0, 3).map((d) => [d._id, d.status, d.line, d.seq]);
      throw new Error(
        `round ${round}: ${stuck.length} jobs not succeeded ${RECOVERY_MS} ms after /readyz: ${JSON.stringify(sample)}` +
          `\nthe worker's last lines:\n${worker.lines.slice(-20).join("\n")}`,
      );
    }
    await Bun.sleep(100);
  }
}

async function signUp(app: AppProcess): Promise<string> {
  const headers = { "content-type": "application/json" };
  const body = JSON.stringify({ email: "drops@example.com", password: "password123" });
  await fetch(`${app.url}/v1/auth/register`, { method: "POST", headers, body });
  const res = await fetch(`${app.url}/v1/auth/login`, { method: "POST", headers, body });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** A due time 0.2 s from now, and after every one handed out before. */
function nextRunAt(): string {
  lastRunAt = Math.max(Date.now() + 200, lastRunAt + 5);
  return new Date(lastRunAt).toISOString();
}

/** Submits an http job to the target, retrying while the api answers 503 (nothing was recorded then). */
async function submitUntilAccepted(app: AppProcess, bearer: string, line: string, n: number): Promise<string> {
  const job = {
    type: "http",
    payload: { url: target.url, method: "POST", body: { line, n }, timeoutMs: 5_000 },
    maxAttempts: 10,
    ...(line ? { group: line } : {}),
    ...(line === "later" ? { runAt: nextRunAt() } : {}),
  };
  for (let tries = 0; tries < 600; tries++) {
    const res = await fetch(`${app.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: JSON.stringify(job),
    }).catch(() => null);
    if (res?.status === 202) return ((await res.json()) as { id: string }).id;
    expect([503, undefined]).toContain(res?.status);
    await Bun.sleep(50);
  }
  throw new Error("the api never accepted the job again");
}

const isReady = (app: AppProcess) =>
  fetch(`${app.url}/readyz`).then(
    (r) => r.status === 200,
    () => false,
  );

/**
 * GET /v1/jobs/{id}?wait=20, asked again after a 503 (Redis was away when it arrived) as a client would: the job's
 * status when it answered, or null when the job was not final by then (or there is no job to wait for).
 */
async function longPoll(app: AppProcess, bearer: string, id: string | undefined): Promise<string | null> {
  if (!id) return null;
  for (;;) {
    const res = await fetch(`${app.url}/v1/jobs/${id}?wait=20`, { headers: { authorization: `Bearer ${bearer}` } });
    if (res.status === 503) {
      await Bun.sleep(100);
      continue;
    }
    expect(res.status).toBe(200);
    const job = (await res.json()) as { status: string };
    return ["succeeded", "failed", "canceled"].includes(job.status) ? job.status : null;
  }
}

/** GET /v1/events, reconnecting with Last-Event-ID whenever the stream ends, as an EventSource does. */
function openEventStream(app: AppProcess, bearer: string) {
  const succeeded = new Set<string>();
  const closing = new AbortController();
  let lastId: string | undefined;
  const follow = async () => {
    while (!closing.signal.aborted) {
      const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
      if (lastId) headers["last-event-id"] = lastId;
      const res = await fetch(`${app.url}/v1/events`, { headers, signal: closing.signal }).catch(() => null);
      if (res?.ok && res.body) {
        let rest = "";
        const decoder = new TextDecoder();
        try {
          for await (const bytes of res.body) {
            const frames = (rest + decoder.decode(bytes, { stream: true })).split("\n\n");
            rest = frames.pop() ?? "";
            for (const frame of frames) {
              const id = /^id: (.+)$/m.exec(frame)?.[1];
              if (id) lastId = id;
              const data = /^data: (.+)$/m.exec(frame)?.[1];
              const job = data ? (JSON.parse(data) as { id?: string; status?: string }) : {};
              if (job.id && job.status === "succeeded") succeeded.add(job.id);
            }
          }
        } catch {
          // The stream broke; reconnect below.
        }
      }
      await Bun.sleep(100);
    }
  };
  void follow();
  return {
    async sawSucceeded(ids: string[], timeoutMs: number) {
      await waitFor(async () => ids.every((id) => succeeded.has(id)), timeoutMs, 100).catch(() => {
        const missed = ids.filter((id) => !succeeded.has(id));
        throw new Error(`the event stream missed the success of ${missed.length} of ${ids.length} jobs: ${missed}`);
      });
    },
    close: () => closing.abort(),
  };
}

/** A local HTTP target that records every delivery (its job id and line) and answers after a few milliseconds. */
function recordingTarget() {
  const deliveries: { id: string; line: string }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const { line } = (await req.json()) as { line: string };
      deliveries.push({ id: req.headers.get("idempotency-key") ?? "?", line });
      await Bun.sleep(2 + Math.random() * 25);
      return Response.json({ ok: true });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, deliveries, stop: () => server.stop(true) };
}
