// Quick throughput probe (the full benchmark suite is separate work): worker jobs/s for N pre-queued
// `echo` jobs, and api submissions/s at a given concurrency, against the test kit's private servers.
// Usage: bun bench/throughput.ts [jobs=2000] [submitSeconds=10] [concurrency=50]
import { ensureIndexes, insertJob } from "@lineup/db";
import type { JobDoc } from "@lineup/jobs";
import { createQueue } from "@lineup/queue";
import { createTestContext, spawnApp } from "@lineup/testkit";
import { ObjectId } from "mongodb";

const [jobs = 2000, submitSeconds = 10, concurrency = 50] = process.argv.slice(2).map(Number);
const ctx = await createTestContext("bench");
await ensureIndexes(ctx.db);
console.log(`mongo: ${ctx.mongo.kind}; jobs: ${jobs}`);

// Worker: jobs recorded and queued exactly as the api does, then one worker process drains them.
const queue = createQueue(ctx.redisClient, ctx.queueName);
for (let i = 0; i < jobs; i++) {
  const doc: JobDoc = {
    _id: new ObjectId().toHexString(),
    queue: ctx.queueName,
    ownerId: "bench",
    type: "echo",
    payloadJson: JSON.stringify({ i }),
    status: "queued",
    attempts: 0,
    maxAttempts: 3,
    createdAt: new Date(),
    line: "q",
  };
  await insertJob(ctx.db, doc);
  const seq = await queue.enqueue({ id: doc._id, line: "q", type: "echo", enqueuedAt: Date.now() });
  await ctx.db.collection<JobDoc>("jobs").updateOne({ _id: doc._id }, { $set: { seq } });
}
const started = performance.now();
const worker = await spawnApp("worker", { ...ctx.env, LOG_LEVEL: "warn", WORKER_ID: "bench" });
for (;;) {
  if ((await ctx.redisClient.llen(queue.keys.line("q"))) === 0) break;
  await Bun.sleep(100);
}
const workerSeconds = (performance.now() - started) / 1000;
await worker.stop();
const done = await ctx.db.collection<JobDoc>("jobs").countDocuments({ status: "succeeded" });
console.log(
  `worker: ${done}/${jobs} succeeded in ${workerSeconds.toFixed(1)} s = ${(done / workerSeconds).toFixed(0)} jobs/s (includes process start)`,
);

// Submit: POST /v1/jobs with a valid token from `concurrency` loops for submitSeconds.
const api = await spawnApp("api", { ...ctx.env, LOG_LEVEL: "warn" });
const creds = JSON.stringify({ email: "bench@example.com", password: "bench-password" });
const json = { "content-type": "application/json" };
await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers: json, body: creds });
const { accessToken } = (await (
  await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers: json, body: creds })
).json()) as {
  accessToken: string;
};
const headers = { ...json, authorization: `Bearer ${accessToken}` };
const body = JSON.stringify({ type: "echo", payload: { hello: "world" } });
let accepted = 0;
let other = 0;
const latencies: number[] = [];
const until = performance.now() + submitSeconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await fetch(`${api.url}/v1/jobs`, { method: "POST", headers, body });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status === 202) accepted++;
      else other++;
    }
  }),
);
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.floor((latencies.length - 1) * p)]?.toFixed(1);
console.log(
  `submit: ${(accepted / submitSeconds).toFixed(0)} req/s accepted (${other} other) at ${concurrency} connections; p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`,
);
await api.stop();
await ctx.cleanup();
process.exit(0);
