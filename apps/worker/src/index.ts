// Lineup worker entry: loads config, connects MongoDB and Redis, serves /healthz and /metrics, runs the job loop,
// and on SIGTERM/SIGINT finishes (or gives back) the job in hand and exits 0.
import { loadConfigOrExit } from "@lineup/config";
import { connectMongoWithRetry, ensureIndexes } from "@lineup/db";
import { createLogger } from "@lineup/log";
import { createRegistry, workerJobMetrics, workerStateMetrics } from "@lineup/metrics";
import { createQueue } from "@lineup/queue";
import Redis from "ioredis";
import { handlers } from "./handlers";
import { startProbeServer } from "./probe-server";
import { blockingConnectionName, createWorker } from "./worker";

const config = loadConfigOrExit(process.env, "worker");
// Container HEALTHCHECK: `<binary> --healthcheck` asks the running process (distroless images have no curl).
if (process.argv.includes("--healthcheck")) {
  const healthy = await fetch(`http://127.0.0.1:${config.workerMetricsPort}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  process.exit(healthy ? 0 : 1);
}
const log = createLogger({ level: config.logLevel, base: { service: "worker", workerId: config.workerId } });

const mongo = await connectMongoWithRetry(config.mongoUrl, config.mongoDb, {
  appName: "lineup-worker",
  onRetry: (attempt, err) => log.warn("mongo not reachable yet; retrying", { attempt, error: err.message }),
});
await ensureIndexes(mongo.db);
// The worker waits out a Redis outage rather than failing commands: it pauses and resumes by itself.
const redisOptions = { maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(n * 100, 2_000) };
const redis = new Redis(config.redisUrl, redisOptions);
const blocking = new Redis(config.redisUrl, {
  ...redisOptions,
  connectionName: blockingConnectionName(config.workerId),
});
for (const conn of [redis, blocking])
  conn.on("error", (err) => log.warn("redis connection error", { error: err.message }));

const registry = createRegistry("worker", config.queueName);
const probes = startProbeServer({
  host: config.host,
  port: config.workerMetricsPort,
  registry,
  metricsToken: config.metricsToken,
});
const worker = createWorker({
  db: mongo.db,
  queue: createQueue(redis, config.queueName),
  redis,
  blocking,
  workerId: config.workerId,
  handlers,
  log,
  metrics: workerJobMetrics(registry),
  state: workerStateMetrics(registry),
  jobTimeoutMs: config.jobTimeoutMs,
  retryBackoffMs: config.retryBackoffMs,
  allowPrivateNetworks: config.httpJobAllowPrivate,
  leaseMs: config.workerLeaseMs,
  reconcileIntervalMs: config.reconcileIntervalMs,
  reconcileGraceMs: config.reconcileGraceMs,
  shutdownGraceMs: config.shutdownGraceMs,
});
log.info("worker ready", { queue: config.queueName, metrics: `http://${config.host}:${probes.port}/metrics` });
const running = worker.start();

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info("worker stopping", { signal, graceMs: config.shutdownGraceMs });
    // A backstop: if Redis or MongoDB vanished too, the job in hand stays in our processing list for the next start.
    setTimeout(() => {
      log.error("worker did not stop in time; exiting");
      process.exit(1);
    }, config.shutdownGraceMs + 5_000).unref();
    await worker.stop();
    await running;
    await probes.stop();
    redis.disconnect();
    blocking.disconnect();
    await mongo.client.close(true).catch(() => {});
    log.info("worker stopped");
    process.exit(0);
  });
}
