// Lineup worker entry: loads config, connects MongoDB and Redis, serves /healthz, stops cleanly on SIGTERM/SIGINT.
// The job loop arrives with the ordered pipeline; this entry already owns the process lifecycle.
import { loadConfigOrExit } from "@lineup/config";
import { connectMongoWithRetry } from "@lineup/db";
import { createLogger } from "@lineup/log";
import Redis from "ioredis";
import { startProbeServer } from "./probe-server";

const config = loadConfigOrExit(process.env);
const log = createLogger({ level: config.logLevel, base: { service: "worker", workerId: config.workerId } });

const mongo = await connectMongoWithRetry(config.mongoUrl, config.mongoDb, {
  appName: "lineup-worker",
  onRetry: (attempt, err) => log.warn("mongo not reachable yet; retrying", { attempt, error: err.message }),
});
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
redis.on("error", (err) => log.warn("redis connection error", { error: err.message }));
const probes = startProbeServer({ host: config.host, port: config.workerMetricsPort });
log.info("worker ready", { queue: config.queueName, probes: `http://${config.host}:${probes.port}` });

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info("worker stopping", { signal });
    await probes.stop();
    await Promise.allSettled([mongo.client.close(), redis.quit()]);
    log.info("worker stopped");
    process.exit(0);
  });
}
