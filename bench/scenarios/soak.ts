// A soak: steady mixed load at half the measured capacity for `minutes`, with the faults a long-lived deployment sees,
// and whether anything drifts. http and echo jobs in 60 groups (10 users x 6), 5% of them failing once and retrying;
// a fifth with a webhook to a local receiver; 100 SSE clients and 200 long-polls open throughout (each on a socket
// of its own); the worker restarted (SIGTERM, then started again) every minutes/6 and every Redis connection
// dropped (CLIENT KILL) every minutes*7/30: every 5 and 7 minutes of the default 30. The first and last sixth (five
// minutes of 30) are compared: api and worker RSS, Redis memory, p99 submit latency, p99 time to start. At the end
// every accepted job must have succeeded exactly once, in submission order within its group.
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import type { Collection } from "mongodb";
import { percentile, until } from "../lib/measure";
import { benchToken } from "../lib/stack";

export type SoakWindow = {
  apiRssMb: number;
  workerRssMb: number;
  redisMb: number;
  submitP99Ms: number;
  startP99Ms: number;
};

export type Soak = {
  minutes: number;
  capacityJobsPerSecond: number;
  rateJobsPerSecond: number;
  accepted: number;
  windowMinutes: number;
  first: SoakWindow;
  last: SoakWindow;
  /** last / first for each measure. */
  drift: SoakWindow;
  workerRestarts: number;
  redisDrops: number;
  sseEvents: number;
  longPollAnswers: number;
  webhooks: { expected: number; delivered: number };
  lost: number;
  duplicated: number;
  outOfOrder: number;
};

const USERS = 10;
const GROUPS_PER_USER = 6;
const SSE_CLIENTS = 100;
const LONG_POLLS = 200;
const TICK_MS = 100;

type Sent = { id: string; line: string; index: number; at: number; latencyMs: number; callback: boolean };
type Sample = { at: number; apiRssMb: number; workerRssMb: number; redisMb: number };

export async function soak(minutes: number): Promise<Soak> {
  const ctx = await createTestContext("soak", { ownRedis: true });
  const receiver = startReceiver();
  const env = {
    ...ctx.env,
    LOG_LEVEL: "error",
    NODE_ENV: "test",
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    SUBMIT_RATE_LIMIT: "1000000",
    MAX_QUEUED_PER_USER: "10000000",
    REGISTRATION_RATE_LIMIT: "1000000",
    LONG_POLLS_MAX: "1000",
    LONG_POLLS_PER_USER: "100",
    SSE_STREAMS_PER_USER: "50",
    SSE_STREAMS_MAX: "1000",
    RETRY_BACKOFF_MS: "100",
    WEBHOOK_RETRY_BASE_MS: "200",
    WORKER_ID: "soak",
    WORKER_CONCURRENCY: "8",
    RECONCILE_GRACE_MS: "5000",
    // Finished jobs leave after a minute, so the store holds a steady minute of them rather than a growing run (the
    // stand-in scans for most filters: a growing collection would be its drift, not Lineup's). The run reads each
    // job's record as it finishes (harvest), before it goes.
    JOB_RETENTION: "60s",
    WEBHOOK_RETRY_WINDOW: "60s",
  };
  const api = await spawnApp("api", env);
  let worker = await spawnApp("worker", env);
  const closers: (() => void)[] = [];
  try {
    const users = await Promise.all(
      Array.from({ length: USERS }, (_, u) => benchToken(api.url, `soak${u}@example.com`)),
    );
    const submitter = createSubmitter(api.url, users, receiver.url);
    for (let i = 0; i < SSE_CLIENTS; i++) {
      closers.push(followEvents(api.port, users[i % USERS] as string, submitter.counts));
    }
    for (let i = 0; i < LONG_POLLS; i++) closers.push(longPollLoop(api.port, users[i % USERS] as string, submitter));
    // The context's database holds this run's jobs only.
    const jobs = ctx.db.collection<JobDoc>("jobs");
    const records = harvester(jobs);

    // Capacity: a burst of the same mix, with the same clients open, submitted and run as fast as they go.
    const probe = Math.max(600, Math.min(3_000, minutes * 200));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: probe }, () => submitter.next()));
    const probeIds = submitter.sent.map((x) => x.id);
    await until(
      async () => {
        await records.harvest();
        return probeIds.every((id) => records.docs.get(id)?.status === "succeeded");
      },
      300_000,
      500,
    );
    const capacity = probe / ((performance.now() - t0) / 1000);
    const rate = capacity / 2;
    submitter.sent.length = 0;
    console.log(`soak: capacity ${capacity.toFixed(0)} jobs/s; ${minutes} min at ${rate.toFixed(0)} jobs/s`);

    const durationMs = minutes * 60_000;
    const started = Date.now();
    const samples: Sample[] = [];
    let restarts = 0;
    let drops = 0;
    const restartEvery = durationMs / 6;
    const dropEvery = (durationMs * 7) / 30;
    let nextRestart = started + restartEvery / 2;
    let nextDrop = started + dropEvery / 2;
    let nextSample = started;
    let owed = 0;
    const inFlight = new Set<Promise<unknown>>();
    while (Date.now() - started < durationMs) {
      const now = Date.now();
      owed += (rate * TICK_MS) / 1000;
      for (; owed >= 1; owed--) {
        const p = submitter.next().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (now >= nextSample) {
        samples.push(await sample(ctx, api, worker, now));
        if (samples.length % 5 === 0) await records.harvest();
        nextSample += 2_000;
        if (samples.length % 30 === 0) {
          const minute = ((now - started) / 60_000).toFixed(1);
          console.log(`soak: ${minute} min, ${submitter.sent.length} accepted, ${inFlight.size} submissions waiting`);
        }
      }
      if (now >= nextRestart) {
        // A deploy: the worker finishes what it holds (SIGTERM), and a new one takes over.
        await worker.stop();
        worker = await spawnApp("worker", env);
        restarts++;
        nextRestart += restartEvery;
      }
      if (now >= nextDrop) {
        await ctx.redisClient.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        drops++;
        nextDrop += dropEvery;
      }
      await Bun.sleep(Math.max(0, TICK_MS - (Date.now() - now)));
    }
    await Promise.all(inFlight);
    for (const close of closers.splice(0)) close();

    // Everything accepted runs; then the record says how.
    const sent = submitter.sent;
    await until(
      async () => {
        await records.harvest();
        return sent.every((x) => records.docs.get(x.id)?.status === "succeeded");
      },
      120_000,
      500,
    ).catch(() => {});
    const docs = records.docs;
    const expectedHooks = sent.filter((s) => s.callback).map((s) => s.id);
    await until(() => expectedHooks.every((id) => receiver.hooks.has(id)), 60_000, 250).catch(() => {});

    const windowMs = durationMs / 6;
    const windowOf = (from: number): SoakWindow => {
      const inWindow = <T extends { at: number }>(xs: T[]) => xs.filter((x) => x.at >= from && x.at < from + windowMs);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const s = inWindow(samples);
      const subs = inWindow(sent);
      const starts = subs.flatMap((x) => {
        const d = docs.get(x.id);
        return d?.firstStartedAt ? [d.firstStartedAt.getTime() - d.createdAt.getTime()] : [];
      });
      return {
        apiRssMb: mean(s.map((x) => x.apiRssMb)),
        workerRssMb: mean(s.map((x) => x.workerRssMb)),
        redisMb: mean(s.map((x) => x.redisMb)),
        submitP99Ms: percentile(
          subs.map((x) => x.latencyMs).sort((a, b) => a - b),
          99,
        ),
        startP99Ms: percentile(
          starts.sort((a, b) => a - b),
          99,
        ),
      };
    };
    const first = windowOf(started);
    const last = windowOf(started + durationMs - windowMs);
    const drift = Object.fromEntries(
      Object.entries(first).map(([k, v]) => [k, (last[k as keyof SoakWindow] as number) / (v as number)]),
    ) as SoakWindow;

    return {
      minutes,
      capacityJobsPerSecond: capacity,
      rateJobsPerSecond: rate,
      accepted: sent.length,
      windowMinutes: minutes / 6,
      first,
      last,
      drift,
      workerRestarts: restarts,
      redisDrops: drops,
      sseEvents: submitter.counts.sseEvents,
      longPollAnswers: submitter.counts.longPollAnswers,
      webhooks: {
        expected: expectedHooks.length,
        delivered: expectedHooks.filter((id) => receiver.hooks.has(id)).length,
      },
      lost: sent.filter((s) => docs.get(s.id)?.status !== "succeeded").length,
      duplicated: sent.filter((s) => duplicated(docs.get(s.id), receiver.answered2xx.get(s.id) ?? 0)).length,
      outOfOrder: outOfOrder(sent, docs),
    };
  } finally {
    for (const close of closers) close();
    await worker.stop().catch(() => {});
    await api.stop().catch(() => {});
    receiver.stop();
    await ctx.cleanup();
  }
}

/**
 * Reads the records of jobs as they finish (before JOB_RETENTION removes them), and of every job once at its end:
 * each harvest asks for what finished since a little before the last one.
 */
function harvester(jobs: Collection<JobDoc>) {
  const docs = new Map<string, JobDoc>();
  let since = new Date(0);
  return {
    docs,
    async harvest(): Promise<void> {
      const from = new Date(Date.now() - 5_000);
      const found = await jobs
        .find({ $or: [{ finishedAt: { $gte: since } }, { finishedAt: { $exists: false } }] })
        .toArray();
      for (const d of found) docs.set(d._id, d);
      since = from;
    },
  };
}

/** Ran to success more than once: two successful attempts on record, or a target that answered 2xx twice. */
function duplicated(doc: JobDoc | undefined, answered2xx: number): boolean {
  const succeeded = (doc?.history ?? []).filter((h) => h.outcome === "succeeded").length;
  return succeeded > 1 || answered2xx > 1;
}

/** Jobs whose group ran them out of submission order: seq order against submission order, and start after the end
 * of the one before. */
function outOfOrder(sent: Sent[], docs: Map<string, JobDoc>): number {
  const byLine = new Map<string, Sent[]>();
  for (const s of sent) byLine.set(s.line, [...(byLine.get(s.line) ?? []), s]);
  let bad = 0;
  for (const line of byLine.values()) {
    line.sort((a, b) => a.index - b.index);
    for (let i = 1; i < line.length; i++) {
      const prev = docs.get((line[i - 1] as Sent).id);
      const cur = docs.get((line[i] as Sent).id);
      if (!prev || !cur) continue;
      const seqOk = (cur.seq ?? 0) > (prev.seq ?? 0);
      const afterOk = (cur.startedAt?.getTime() ?? 0) >= (prev.finishedAt?.getTime() ?? 0);
      if (!seqOk || !afterOk) bad++;
    }
  }
  return bad;
}

/**
 * Submits the mix one job at a time (POST /v1/jobs), in turn over the users' groups; a group's next job is sent once
 * its last one was accepted, so submission order in a group is known. A 503 (a Redis drop) is asked again.
 */
function createSubmitter(apiUrl: string, tokens: string[], targetUrl: string) {
  const lines = tokens.flatMap((token, u) =>
    Array.from({ length: GROUPS_PER_USER }, (_, g) => ({ token, group: `g${g}`, key: `${u}/g${g}`, n: 0 })),
  );
  const chains = new Map<string, Promise<unknown>>();
  const sent: Sent[] = [];
  const latest = new Map<string, string>(); // token -> newest accepted job id
  const counts = { sseEvents: 0, longPollAnswers: 0 };
  let turn = 0;
  async function submit(line: (typeof lines)[number], n: number): Promise<void> {
    const http = n % 2 === 0;
    const failFirst = n % 20 === 4; // 5% of jobs: an http one whose first delivery the target answers 500
    const callback = n % 5 === 1;
    const body = {
      ...(http
        ? { type: "http", payload: { url: `${targetUrl}job`, method: "POST", body: { failFirst } } }
        : { type: "echo", payload: { n } }),
      group: line.group,
      maxAttempts: 5,
      ...(callback ? { callbackUrl: `${targetUrl}hook` } : {}),
    };
    for (;;) {
      const t0 = performance.now();
      const res = await fetch(`${apiUrl}/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${line.token}` },
        body: JSON.stringify(body),
      }).catch(() => null);
      if (res?.status === 202) {
        const { id } = (await res.json()) as { id: string };
        sent.push({ id, line: line.key, index: n, at: Date.now(), latencyMs: performance.now() - t0, callback });
        latest.set(line.token, id);
        return;
      }
      await res?.arrayBuffer();
      if (res && res.status !== 503) throw new Error(`submission answered ${res.status}`);
      await Bun.sleep(100);
    }
  }
  return {
    sent,
    latest,
    counts,
    next(): Promise<unknown> {
      const line = lines[turn++ % lines.length] as (typeof lines)[number];
      const n = line.n++;
      const p = (chains.get(line.key) ?? Promise.resolve()).then(() => submit(line, n));
      chains.set(line.key, p);
      return p;
    },
  };
}

type Submitter = ReturnType<typeof createSubmitter>;

/** api and worker RSS (MB) and Redis's used memory (MB). */
async function sample(ctx: TestContext, api: AppProcess, worker: AppProcess, at: number): Promise<Sample> {
  const rss = (pid: number) => {
    try {
      return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
    } catch {
      return Number.NaN;
    }
  };
  const info = (await ctx.redisClient.info("memory").catch(() => "")) as string;
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  return { at, apiRssMb: rss(api.proc.pid), workerRssMb: rss(worker.proc.pid), redisMb: used / 1024 / 1024 };
}

/**
 * A GET on a socket of its own; onData sees the raw bytes. Asked again 100 ms after the server closes it, for the path
 * `path()` gives then (none: looked at again 500 ms later).
 */
function rawGet(
  port: number,
  path: () => string | null,
  token: string,
  extra: () => string,
  onData: (text: string) => void,
) {
  let closed = false;
  let socket: Socket | undefined;
  const open = () => {
    if (closed) return;
    const target = path();
    if (!target) {
      setTimeout(open, 500);
      return;
    }
    socket = connect(port, "127.0.0.1");
    socket.on("connect", () =>
      socket?.write(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n${extra()}Connection: close\r\n\r\n`,
      ),
    );
    socket.on("data", (chunk: Buffer) => onData(chunk.toString("utf8")));
    socket.on("error", () => {});
    socket.on("close", () => setTimeout(open, 100));
  };
  open();
  return () => {
    closed = true;
    socket?.destroy();
  };
}

/** An SSE client of GET /v1/events, resuming from the last id it saw, as an EventSource does. */
function followEvents(port: number, token: string, counts: Submitter["counts"]): () => void {
  let lastId = "";
  return rawGet(
    port,
    () => "/v1/events",
    token,
    () => (lastId ? `Last-Event-ID: ${lastId}\r\n` : ""),
    (text) => {
      for (const m of text.matchAll(/^id: (.+)$/gm)) lastId = m[1] as string;
      counts.sseEvents += (text.match(/^data: /gm) ?? []).length;
    },
  );
}

/** A client long-polling its user's newest job (GET /v1/jobs/{id}?wait=20), then the next newest, and so on. */
function longPollLoop(port: number, token: string, submitter: Submitter): () => void {
  let polled: string | undefined;
  return rawGet(
    port,
    () => {
      const id = submitter.latest.get(token);
      if (!id || id === polled) return null;
      polled = id;
      return `/v1/jobs/${id}?wait=20`;
    },
    token,
    () => "",
    (text) => {
      if (text.startsWith("HTTP/1.1 200")) submitter.counts.longPollAnswers++;
    },
  );
}

/** The http jobs' target (fails the first delivery of a job asked to) and the webhook receiver. */
function startReceiver() {
  const deliveries = new Map<string, number>();
  const answered2xx = new Map<string, number>();
  const hooks = new Set<string>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const body = (await req.json().catch(() => ({}))) as { failFirst?: boolean; id?: string };
      if (url.pathname === "/hook") {
        if (body.id) hooks.add(body.id);
        return new Response(null, { status: 204 });
      }
      const id = req.headers.get("idempotency-key") ?? "?";
      const n = (deliveries.get(id) ?? 0) + 1;
      deliveries.set(id, n);
      if (body.failFirst && n === 1) return new Response("not now", { status: 500 });
      answered2xx.set(id, (answered2xx.get(id) ?? 0) + 1);
      return Response.json({ ok: true });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, hooks, answered2xx, stop: () => server.stop(true) };
}
