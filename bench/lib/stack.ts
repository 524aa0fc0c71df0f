// The systems a benchmark runs: Lineup's real worker and api processes against the test kit's private servers
// (MongoDB behind a command-counting proxy), and the peers' workers (peer-worker.ts) in processes of their own.
// Jobs are staged first and released at once, so a measurement covers processing, not submission or startup.
import { join } from "node:path";
import type { JobDoc } from "@lineup/jobs";
import { createQueue, runDataOf } from "@lineup/queue";
import { type AppProcess, createTestContext, REPO_ROOT, spawnApp, type TestContext } from "@lineup/testkit";
import { Queue as BullQueue } from "bullmq";
import { Queue as GroupQueue } from "groupmq";
import Redis from "ioredis";
import { ObjectId } from "mongodb";
import { type MongoCounter, startMongoCounter } from "./mongo-counter";

export type Stack = { ctx: TestContext; mongo: MongoCounter; close(): Promise<void> };

export async function startStack(): Promise<Stack> {
  const ctx = await createTestContext("bench");
  const mongo = await startMongoCounter(ctx.mongoUrl);
  return {
    ctx,
    mongo,
    async close() {
      await mongo.close();
      await ctx.cleanup();
    },
  };
}

/** Environment for Lineup's processes in benchmarks: quiet logs, no limits in the way, MongoDB through the counter. */
export function lineupEnv(stack: Stack, queue: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...stack.ctx.env,
    MONGO_URL: stack.mongo.url,
    QUEUE_NAME: queue,
    LOG_LEVEL: "error",
    SUBMIT_RATE_LIMIT: "1000000",
    LOGIN_FAILURES_PER_ADDRESS: "1000000",
    REGISTRATION_RATE_LIMIT: "1000000",
    MAX_QUEUED_PER_USER: "10000000",
    LONG_POLLS_PER_USER: "100000",
    SSE_STREAMS_PER_USER: "10000",
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    ...extra,
  };
}

export type Work = { kind: "echo" } | { kind: "http"; url: string };

const payloadOf = (work: Work, i: number) =>
  work.kind === "echo"
    ? { type: "echo", payload: { i } }
    : { type: "http", payload: { url: work.url, method: "POST", body: JSON.stringify({ i }) } };

/**
 * Records n jobs in MongoDB and queues them in Redis under a staging name, exactly as the api does, spread over
 * `lines` groups. release() renames the staging keys into the live queue, so a running worker sees them at once.
 */
export async function stageLineupJobs(stack: Stack, queue: string, n: number, lines: number, work: Work) {
  const { ctx } = stack;
  const staging = createQueue(ctx.redisClient, `${queue}-staging`);
  const live = createQueue(ctx.redisClient, queue);
  const docs: JobDoc[] = Array.from({ length: n }, (_, i) => {
    const { type, payload } = payloadOf(work, i);
    return {
      _id: new ObjectId().toHexString(),
      queue,
      ownerId: "bench",
      line: `u:line${i % lines}`,
      type,
      payloadJson: JSON.stringify(payload),
      status: "queued",
      attempts: 0,
      maxAttempts: 3,
      createdAt: new Date(),
    };
  });
  const jobs = ctx.db.collection<JobDoc>("jobs");
  await jobs.insertMany(docs);
  const seqs = await Promise.all(
    docs.map((d) =>
      staging.enqueue({
        id: d._id,
        line: d.line as string,
        type: d.type,
        enqueuedAt: Date.now(),
        run: runDataOf(d),
      }),
    ),
  );
  await jobs.bulkWrite(
    docs.map((d, i) => ({ updateOne: { filter: { _id: d._id }, update: { $set: { seq: seqs[i] } } } })),
  );
  return {
    async release(): Promise<void> {
      // Lines first (a worker cannot see them yet), ready last: the moment the jobs appear.
      const used = new Set(docs.map((d) => d.line as string));
      for (const line of used) await ctx.redisClient.rename(staging.keys.line(line), live.keys.line(line));
      await ctx.redisClient.rename(staging.keys.ready, live.keys.ready);
    },
    /** Every line has run dry in Redis (a line drops its job only after the job's end is on record). */
    async drained(): Promise<boolean> {
      const lineKeys = [...new Set(docs.map((d) => live.keys.line(d.line as string)))];
      return (await ctx.redisClient.exists(...lineKeys)) === 0;
    },
    async succeeded(): Promise<number> {
      return jobs.countDocuments({ queue, status: "succeeded" });
    },
  };
}

export async function lineupWorker(
  stack: Stack,
  queue: string,
  slots: number,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  return spawnApp(
    "worker",
    lineupEnv(stack, queue, { WORKER_ID: `bench-${queue}`, WORKER_CONCURRENCY: String(slots), ...env }),
  );
}

/** A peer's worker process; resolves once it waits for work. */
export async function peerWorker(
  system: "bullmq" | "groupmq" | "brpop" | "blmove",
  redisUrl: string,
  queue: string,
  concurrency: number,
  jobs: number,
  work: Work,
) {
  const proc = Bun.spawn(
    [
      "bun",
      join(REPO_ROOT, "bench/peers/peer-worker.ts"),
      system,
      redisUrl,
      queue,
      String(concurrency),
      String(jobs),
      work.kind === "echo" ? "echo" : work.url,
    ],
    { cwd: REPO_ROOT, stdout: "pipe", stderr: "inherit" },
  );
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      lines.push(...decoder.decode(chunk).split("\n").filter(Boolean));
      for (const wake of waiters) wake();
    }
  })();
  const waitFor = async (prefix: string, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (!lines.some((l) => l.startsWith(prefix))) {
      if (performance.now() > deadline || proc.exitCode !== null)
        throw new Error(`${system} worker never said ${prefix}`);
      await new Promise<void>((wake) => {
        waiters.add(wake);
        setTimeout(wake, 20);
      });
    }
  };
  await waitFor("ready", 20_000);
  return {
    pid: proc.pid,
    done: (timeoutMs: number) => waitFor("done", timeoutMs),
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

/** Adds n jobs to a peer queue while it is paused (or staged, for the raw loops); release() lets them go. */
export async function stagePeerJobs(
  system: "bullmq" | "groupmq" | "brpop" | "blmove",
  redisUrl: string,
  queue: string,
  n: number,
  groups: number,
  work: Work,
) {
  const data = (i: number) => payloadOf(work, i).payload;
  if (system === "bullmq") {
    const q = new BullQueue(queue, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }) });
    await q.pause();
    for (let i = 0; i < n; i += 500) {
      await q.addBulk(
        Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
          name: "job",
          data: data(i + k),
          opts: { removeOnComplete: true },
        })),
      );
    }
    return { release: () => q.resume(), close: () => q.close() };
  }
  if (system === "groupmq") {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const q = new GroupQueue({ redis, namespace: queue });
    await q.pause();
    for (let i = 0; i < n; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, n - i) }, (_, k) =>
          q.add({ groupId: `g${(i + k) % groups}`, data: data(i + k) }),
        ),
      );
    }
    return {
      release: () => q.resume(),
      close: async () => {
        await q.close();
        redis.disconnect();
      },
    };
  }
  const redis = new Redis(redisUrl);
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, k) => JSON.stringify(data(i + k)));
    await redis.lpush(`${queue}:staged`, ...batch);
  }
  return {
    release: async () => {
      await redis.rename(`${queue}:staged`, `${queue}:pending`);
    },
    close: async () => redis.disconnect(),
  };
}

/** A local HTTP target that answers after `ms`, like a real downstream service. */
export function slowTarget(ms: number) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch() {
      await Bun.sleep(ms);
      return Response.json({ ok: true });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, stop: () => server.stop(true) };
}

/** Registers an account on a running api (a second time is a harmless 409) and returns a bearer token for it. */
export async function benchToken(apiUrl: string, email: string): Promise<string> {
  const json = { "content-type": "application/json" };
  const creds = JSON.stringify({ email, password: "bench-password" });
  await fetch(`${apiUrl}/v1/auth/register`, { method: "POST", headers: json, body: creds });
  const res = await fetch(`${apiUrl}/v1/auth/login`, { method: "POST", headers: json, body: creds });
  return ((await res.json()) as { accessToken: string }).accessToken;
}
