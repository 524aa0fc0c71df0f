// Runs the worker loop in-process against the test kit's real servers, with handlers a test controls.
import { cancelJob, type Db, ensureIndexes, insertJob } from "@lineup/db";
import { type JobDoc, lineOfJob } from "@lineup/jobs";
import { createLogger } from "@lineup/log";
import { createRegistry, workerJobMetrics, workerStateMetrics } from "@lineup/metrics";
import { createEventLog, createQueue, type Queue, runDataOf } from "@lineup/queue";
import { type AppProcess, linesWithSecrets, type TestContext, waitFor } from "@lineup/testkit";
import Redis from "ioredis";
import { ObjectId } from "mongodb";
import { type Handlers, handlers as realHandlers } from "../src/handlers";
import { createNotifier } from "../src/notifier";
import { createWorker, WORKER_REDIS_OPTIONS } from "../src/worker";

// Polls on the monotonic clock (shared with the api tests, from the test kit).
export { waitFor };

export async function startWorker(
  ctx: TestContext,
  options: {
    handlers?: Partial<Handlers>;
    queueName?: string;
    workerId?: string;
    shutdownGraceMs?: number;
    /** WORKER_STALL_MS. */
    stallMs?: number;
    concurrency?: number;
    retryBackoffMs?: number;
    retentionMs?: number;
    /** 1 s unless a test holds a job longer on purpose. */
    jobTimeoutMs?: number;
    lines?: string[];
    /** Stands in for the blocking connection (a test makes its takes misbehave). */
    blocking?: (real: Redis) => Redis;
    /** The database the worker writes to (a test may watch its commands); the context's by default. */
    db?: Db;
  } = {},
) {
  await ensureIndexes(ctx.db);
  const db = options.db ?? ctx.db;
  const queueName = options.queueName ?? ctx.queueName;
  const redis = new Redis(ctx.redisUrl, WORKER_REDIS_OPTIONS);
  const workerId = options.workerId ?? "w-test";
  const realBlocking = new Redis(ctx.redisUrl, WORKER_REDIS_OPTIONS);
  const blocking = options.blocking?.(realBlocking) ?? realBlocking;
  const queue = createQueue(redis, queueName);
  const registry = createRegistry("worker", queueName);
  const metrics = workerJobMetrics(registry);
  const log = createLogger({ write: (l) => options.lines?.push(l) });
  const notifier = createNotifier({
    events: createEventLog(redis, queueName, { historyLength: 1_000 }),
    log,
    offline: () => redis.status !== "ready",
  });
  const worker = createWorker({
    notifier,
    callbackDue: () => {},
    metrics,
    state: workerStateMetrics(registry),
    db,
    queue,
    redis,
    blocking,
    workerId,
    handlers: { ...realHandlers, ...options.handlers } as Handlers,
    log,
    concurrency: options.concurrency ?? 1,
    jobTimeoutMs: options.jobTimeoutMs ?? 1_000,
    retryBackoffMs: options.retryBackoffMs ?? 10,
    retentionMs: options.retentionMs ?? 30 * 24 * 3600_000,
    // The test targets listen on loopback.
    allowedNetworks: ["127.0.0.0/8"],
    leaseMs: 2_000,
    reconcileIntervalMs: 200,
    reconcileGraceMs: 1_000,
    shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
    stallMs: options.stallMs ?? 30_000,
    defaultGroup: "queue",
    defaultOnFailure: "continue",
  });
  const running = worker.start();
  await waitFor(async () => (await ctx.redisClient.zscore(queue.keys.workers, workerId)) !== null);
  return {
    queue,
    metrics,
    registry,
    stalled: worker.stalled,
    async stop() {
      await worker.stop();
      await running;
      await notifier.drain(2_000);
      redis.disconnect();
    },
  };
}

/** A stored job with its JSON payload and result parsed back, as tests want to compare them. */
export type StoredJob = JobDoc & { payload: unknown; result?: unknown };

export function parsed(doc: JobDoc): StoredJob {
  return {
    ...doc,
    payload: JSON.parse(doc.payloadJson),
    result: doc.resultJson === undefined ? undefined : JSON.parse(doc.resultJson),
  };
}

/** Records a job in MongoDB and queues it in its line (the queue's line unless it names one), as the api does. */
export async function submit(
  ctx: TestContext,
  queue: Queue,
  job: Partial<Omit<JobDoc, "payloadJson">> & { payload: unknown },
): Promise<StoredJob> {
  const { payload, ...rest } = job;
  const doc: JobDoc = {
    _id: new ObjectId().toHexString(),
    queue: queue.name,
    ownerId: "owner-1",
    type: "echo",
    status: "queued",
    attempts: 0,
    maxAttempts: 3,
    createdAt: new Date(),
    line: "q",
    ...rest,
    payloadJson: JSON.stringify(payload),
  };
  await insertJob(ctx.db, doc);
  const seq = await queue.enqueue({
    id: doc._id,
    line: doc.line as string,
    type: doc.type,
    enqueuedAt: Date.now(),
    requestId: doc.requestId,
    run: runDataOf(doc),
  });
  await ctx.db.collection<JobDoc>("jobs").updateOne({ _id: doc._id }, { $set: { seq } });
  return parsed({ ...doc, seq });
}

/** A gate a test's handler waits at until the test opens it. */
export function gate(): { passed: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const passed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { passed, open };
}

/** An owner's cancel of a queued job, as the api makes it: Redis's fence first (a quick run may hold it), then the record. */
export async function cancelQueued(ctx: TestContext, queue: Queue, id: string): Promise<JobDoc | null> {
  const now = new Date();
  return cancelJob(ctx.db, {
    id,
    now,
    expireAt: new Date(now.getTime() + 60_000),
    mayCancel: (current) => queue.fenceCancel(lineOfJob(current), id),
  });
}

export async function finished(ctx: TestContext, id: string, timeoutMs?: number): Promise<StoredJob> {
  return waitFor(async () => {
    const doc = await ctx.db.collection<JobDoc>("jobs").findOne({ _id: id });
    return doc && ["succeeded", "failed", "canceled"].includes(doc.status) ? parsed(doc) : null;
  }, timeoutMs);
}

/** Waits until every one of the jobs has succeeded and returns them; on timeout, logs a few that did not. */
export async function allSucceeded(ctx: TestContext, ids: string[], timeoutMs = 120_000): Promise<JobDoc[]> {
  const jobs = ctx.db.collection<JobDoc>("jobs");
  return waitFor(
    async () => {
      const all = await jobs.find({ _id: { $in: ids } }).toArray();
      return all.length === ids.length && all.every((d) => d.status === "succeeded") ? all : null;
    },
    timeoutMs,
    500,
  ).catch(async (err) => {
    const stuck = await jobs.find({ _id: { $in: ids }, status: { $ne: "succeeded" } }).toArray();
    console.log("not succeeded:", stuck.length, stuck.slice(0, 5));
    throw err;
  });
}

/** Kills the spawned processes, then checks that none of their log lines carried a token, hash or password. */
export async function stopAndScan(processes: AppProcess[], passwords: string[]): Promise<string[]> {
  for (const p of processes) await p.stop("SIGKILL");
  return linesWithSecrets(
    processes.flatMap((p) => p.lines),
    passwords,
  );
}

/**
 * Several worker processes acting as one AppProcess: kill and stop reach every process, lines are all of theirs.
 * Each gets its own WORKER_ID (`<baseId>-<n>`) and `slots` slots.
 */
export async function workerFleet(
  spawn: (env: Record<string, string>) => Promise<AppProcess>,
  options: { processes: number; slots: number; baseId: string },
): Promise<AppProcess> {
  const members = await Promise.all(
    Array.from({ length: options.processes }, (_, i) =>
      spawn({ WORKER_ID: `${options.baseId}-${i + 1}`, WORKER_CONCURRENCY: String(options.slots) }),
    ),
  );
  const first = members[0] as AppProcess;
  const proc = {
    kill: (signal?: NodeJS.Signals | number) => {
      for (const m of members) m.proc.kill(signal);
    },
    get exited() {
      return Promise.all(members.map((m) => m.proc.exited)).then(() => first.proc.exitCode ?? 0);
    },
    get exitCode() {
      return first.proc.exitCode;
    },
  };
  return {
    proc: proc as unknown as AppProcess["proc"],
    url: first.url,
    port: first.port,
    get lines() {
      return members.flatMap((m) => m.lines);
    },
    waitForLine: (pattern, timeoutMs) => Promise.any(members.map((m) => m.waitForLine(pattern, timeoutMs))),
    async stop(signal, timeoutMs) {
      const codes = await Promise.all(members.map((m) => m.stop(signal, timeoutMs)));
      return codes.find((c) => c !== 0) ?? codes[0] ?? null;
    },
  };
}

/** A user of a spawned api: a bearer token and a JSON call that answers status and body. */
export async function apiUser(api: AppProcess, email = `u.${crypto.randomUUID().slice(0, 8)}@example.com`) {
  const headers = { "content-type": "application/json" };
  const credentials = JSON.stringify({ email, password: "password123" });
  await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers, body: credentials });
  const login = await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers, body: credentials });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : headers), authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  return { token, call };
}
