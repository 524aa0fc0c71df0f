// Lineup API entry: loads config, connects MongoDB and Redis, listens, drains on SIGTERM/SIGINT; `admin ...` runs the
// operator's admin command instead.
import { loadConfigOrExit } from "@lineup/config";
import { claimPartitions, connectMongoWithRetry, ensureIndexes } from "@lineup/db";
import { createLogger } from "@lineup/log";
import { connectRedis, untilReady } from "@lineup/queue";
import { startTracing } from "@lineup/tracing";
import { buildApp } from "./app";

const startedAt = performance.now();
const config = loadConfigOrExit(process.env, "api");
// Container HEALTHCHECK: `<binary> --healthcheck` asks the running process (distroless images have no curl).
if (process.argv.includes("--healthcheck")) {
  const healthy = await fetch(`http://127.0.0.1:${config.port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  process.exit(healthy ? 0 : 1);
}
// `<binary> admin grant <email>` and the rest: the operator's admin command, with this configuration, instead of
// serving (distroless images have no other program to run it with).
if (process.argv[2] === "admin") {
  const { runAdminCommand } = await import("./cli/admin-command");
  process.exit(await runAdminCommand(process.argv.slice(3), config));
}
const log = createLogger({ level: config.logLevel, format: config.logFormat, base: { service: "api" } });
if (config.jwtSecretEphemeral) {
  log.warn("JWT_SECRET is not set: using a random secret, so tokens stop working when this process restarts");
}

// How long a request waits on a MongoDB that does not answer, per try (docs/operations.md: when a store hangs).
const MONGO_HANG_TIMEOUT_MS = 3_000;
const mongo = await connectMongoWithRetry(config.mongoUrl, config.mongoDb, {
  appName: "lineup-api",
  writeConcern: config.mongoWriteConcern,
  // A MongoDB that hangs (paused, partitioned) answers a request 503 after about twice this, rather than holding it.
  hangTimeoutMs: MONGO_HANG_TIMEOUT_MS,
  onRetry: (attempt, err) => log.warn("mongo not reachable yet; retrying", { attempt, error: err.message }),
});
await ensureIndexes(mongo.db);
await claimPartitions(mongo.db, config.queueName, config.queuePartitions).catch((err: Error) => {
  log.error(err.message);
  process.exit(1);
});
const redis = connectRedis(
  { url: config.redisUrl, clusterNodes: config.redisClusterNodes },
  {
    // Fail a command at once while Redis is away, so requests answer 503 instead of waiting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A Redis that hangs (paused, overloaded) must not hang requests: they answer 503 after this.
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    // Named, so CLIENT LIST tells an operator (and the benchmarks) whose connection it is.
    connectionName: "lineup-api",
  },
);
redis.on("error", (err) => log.warn("redis connection error", { error: err.message }));
await untilReady(redis);
// One connection listens for every job change, whatever the number of waiting clients; it waits out Redis outages
// and subscribes again by itself.
const subscriber = connectRedis(
  { url: config.redisUrl, clusterNodes: config.redisClusterNodes },
  {
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    connectionName: "lineup-api-events",
    lazyConnect: true,
  },
);
subscriber.on("error", (err) => log.warn("redis subscriber connection error", { error: err.message }));
const closing = new AbortController();
const tracing = await startTracing(config.tracing, "lineup-api");

const app = buildApp({ config, db: mongo.db, redis, log, subscriber, closing: closing.signal, tracing }).listen({
  hostname: config.host,
  port: config.port,
  // The app answers 413 itself, in the error shape, from Content-Length or while streaming (it never buffers past
  // the limit). Bun's own cap answers an empty 413 instead, so it is set far above, as a last stop only.
  maxRequestBodySize: Math.max(config.bodyLimitBytes * 8, 64 * 1024 * 1024),
});
log.info("api listening", {
  url: `http://${config.host}:${app.server?.port}`,
  docs: "/docs",
  startupMs: Math.round(performance.now() - startedAt),
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info("api stopping: draining requests", { signal });
    const forced = setTimeout(() => {
      log.warn("api drain exceeded the grace period; exiting");
      process.exit(1);
    }, config.shutdownGraceMs);
    // Long-polls answer now (with the job as it is) and event streams end (clients resume elsewhere with
    // Last-Event-ID), so the drain below waits for nothing that would not end by itself.
    closing.abort();
    await app.stop();
    subscriber.disconnect();
    await Promise.allSettled([mongo.client.close(), redis.quit(), tracing.shutdown()]);
    clearTimeout(forced);
    log.info("api stopped");
    process.exit(0);
  });
}
