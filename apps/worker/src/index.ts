// Lineup worker entry: loads config, connects MongoDB and Redis, serves /healthz, /readyz and /metrics, runs the worker's
// slots, and on SIGTERM/SIGINT finishes (or gives back) every job in hand and exits 0.
import { loadConfigOrExit } from "@lineup/config";
import { claimPartitions, connectMongoWithRetry, ensureIndexes } from "@lineup/db";
import { checkReadiness } from "@lineup/health";
import { createLogger } from "@lineup/log";
import { createRegistry, webhookMetrics, workerJobMetrics, workerStateMetrics } from "@lineup/metrics";
import { connectRedis, createEventLog, createQueue, untilReady } from "@lineup/queue";
import { startTracing } from "@lineup/tracing";
import { handlers } from "./handlers";
import { createNotifier } from "./notifier";
import { startProbeServer } from "./probe-server";
import { createDeliveries } from "./webhooks/deliveries";
import { createWorker, WORKER_REDIS_OPTIONS } from "./worker";

const config = loadConfigOrExit(process.env, "worker");
// Container HEALTHCHECK: `<binary> --healthcheck` asks the running process (distroless images have no curl).
if (process.argv.includes("--healthcheck")) {
  const healthy = await fetch(`http://127.0.0.1:${config.workerMetricsPort}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  process.exit(healthy ? 0 : 1);
}
const log = createLogger({
  level: config.logLevel,
  format: config.logFormat,
  base: { service: "worker", workerId: config.workerId },
});

const mongo = await connectMongoWithRetry(config.mongoUrl, config.mongoDb, {
  appName: "lineup-worker",
  writeConcern: config.mongoWriteConcern,
  onRetry: (attempt, err) => log.warn("mongo not reachable yet; retrying", { attempt, error: err.message }),
});
await ensureIndexes(mongo.db);
await claimPartitions(mongo.db, config.queueName, config.queuePartitions).catch((err: Error) => {
  log.error(err.message);
  process.exit(1);
});
const target = { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
// The worker waits out a Redis outage: it reconnects, retries what failed, and carries on by itself.
// Named, so CLIENT LIST tells an operator (and the benchmarks) whose connection it is.
const redis = connectRedis(target, { ...WORKER_REDIS_OPTIONS, connectionName: `lineup-worker:${config.workerId}` });
const blocking = connectRedis(target, {
  ...WORKER_REDIS_OPTIONS,
  connectionName: `lineup-worker-take:${config.workerId}`,
});
for (const conn of [redis, blocking])
  conn.on("error", (err) => log.warn("redis connection error", { error: err.message }));
await Promise.all([untilReady(redis), untilReady(blocking)]);

const registry = createRegistry("worker", config.queueName);
const notifier = createNotifier({
  events: createEventLog(redis, config.queueName, { historyLength: config.eventHistoryLength }),
  log,
  offline: () => redis.status !== "ready",
});
const tracing = await startTracing(config.tracing, "lineup-worker");
const deliveries = createDeliveries({
  tracing,
  db: mongo.db,
  queue: config.queueName,
  log,
  metrics: webhookMetrics(registry),
  allowedNetworks: config.httpJobAllowedNetworks,
  timeoutMs: config.webhookTimeoutMs,
  retryBaseMs: config.webhookRetryBaseMs,
  retryWindowMs: config.webhookRetryWindowSeconds * 1000,
});
const worker = createWorker({
  db: mongo.db,
  notifier,
  callbackDue: deliveries.wake,
  queue: createQueue(redis, config.queueName, { partitions: config.queuePartitions }),
  redis,
  blocking,
  workerId: config.workerId,
  handlers,
  log,
  concurrency: config.workerConcurrency,
  metrics: workerJobMetrics(registry),
  state: workerStateMetrics(registry),
  jobTimeoutMs: config.jobTimeoutMs,
  retryBackoffMs: config.retryBackoffMs,
  retentionMs: config.jobRetentionSeconds * 1000,
  allowedNetworks: config.httpJobAllowedNetworks,
  leaseMs: config.workerLeaseMs,
  reconcileIntervalMs: config.reconcileIntervalMs,
  reconcileGraceMs: config.reconcileGraceMs,
  shutdownGraceMs: config.shutdownGraceMs,
  stallMs: config.workerStallMs,
  defaultGroup: config.defaultGroup,
  defaultOnFailure: config.defaultOnFailure,
  tracing,
});
const probes = startProbeServer({
  host: config.host,
  port: config.workerMetricsPort,
  registry,
  metricsToken: config.metricsToken,
  stalled: worker.stalled,
  readiness: () => checkReadiness({ db: mongo.db, redis, timeoutMs: config.readyTimeoutMs }),
});
log.info("worker ready", {
  queue: config.queueName,
  slots: config.workerConcurrency,
  metrics: `http://${config.host}:${probes.port}/metrics`,
});
let stopping = false;
async function shutDown(code: number): Promise<never> {
  stopping = true;
  // A backstop: if Redis or MongoDB vanished too, the jobs in hand stay in our held list for the next start.
  setTimeout(() => {
    log.error("worker did not stop in time; exiting");
    process.exit(1);
  }, config.shutdownGraceMs + 5_000).unref();
  await worker.stop();
  // What the last jobs did is announced before the connection goes; webhooks in flight finish or are tried again.
  await Promise.all([notifier.drain(2_000), deliveries.stop()]);
  await probes.stop();
  redis.disconnect();
  blocking.disconnect();
  await mongo.client.close(true).catch(() => {});
  await tracing.shutdown().catch(() => {});
  log.info("worker stopped");
  process.exit(code);
}

deliveries.start();
worker.start().then((outcome) => {
  // Lost its id (presumed dead, or a second process with the same WORKER_ID): exit non-zero so it is restarted fresh.
  if (outcome === "lost-id" && !stopping) void shutDown(1);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    log.info("worker stopping", { signal, graceMs: config.shutdownGraceMs });
    void shutDown(0);
  });
}
