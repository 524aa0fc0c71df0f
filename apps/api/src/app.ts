// Builds the Lineup HTTP app from injected dependencies; never listens and never reads the environment.
import type { Config } from "@lineup/config";
import { countQueueJobs, type Db } from "@lineup/db";
import type { Logger } from "@lineup/log";
import {
  createRegistry,
  dependencyMetrics,
  httpMetrics,
  queueMetrics,
  type Registry,
  submitMetrics,
} from "@lineup/metrics";
import { createQueue } from "@lineup/queue";
import { type AnyElysia, Elysia } from "elysia";
import type Redis from "ioredis";
import { docs } from "./docs";
import { type AllowedMethods, allowedMethodsFrom } from "./middlewares/allowed-methods";
import { bodyParser } from "./middlewares/body-parser";
import { clientAddressOf } from "./middlewares/client-address";
import { cors } from "./middlewares/cors";
import { errorHandler } from "./middlewares/error-handler";
import { requestContext } from "./middlewares/request-context";
import { requestTarget } from "./middlewares/request-target";
import { securityHeaders } from "./middlewares/security-headers";
import { httpMetricsPlugin } from "./monitoring/http-metrics";
import { adminRoutes } from "./routes/admin";
import { authRoutes } from "./routes/auth";
import { consoleRoutes } from "./routes/console";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { metricsRoutes } from "./routes/metrics";
import { createAudit } from "./services/audit";
import { createHashingGate } from "./services/hashing-gate";
import { createPasswords } from "./services/passwords";
import { createPausedView } from "./services/queue-paused";
import { createQueueReady } from "./services/queue-ready";
import { createQueuedQuota } from "./services/queued-quota";
import { createRateLimits } from "./services/rate-limits";
import { checkReadiness } from "./services/readiness";
import { createRevocation } from "./services/revocation";
import { createTokens } from "./services/tokens";

export type AppDeps = {
  config: Config;
  db: Db;
  redis: Redis;
  log: Logger;
  /** Where this app's metrics go; one per process (a fresh one per app in tests). */
  registry?: Registry;
  now?: () => Date;
};

export function buildApp(deps: AppDeps) {
  const { config, db, redis, log } = deps;
  const now = deps.now ?? (() => new Date());
  const queue = createQueue(redis, config.queueName, { partitions: config.queuePartitions });
  const registry = deps.registry ?? createRegistry("api", config.queueName);
  const readiness = () => checkReadiness({ db, redis, timeoutMs: config.readyTimeoutMs });
  const queuePaused = createPausedView(queue);
  dependencyMetrics(registry, readiness);
  queueMetrics(registry, config.queueName, async () => ({
    ...(await queue.snapshot(config.workerLeaseMs)),
    queuedJobs: await countQueueJobs(db, queue.name, "queued"),
  }));
  const queueReady = createQueueReady({ redis, queue, db });
  const revocation = createRevocation({ redis, db });
  const rateLimits = createRateLimits({
    redis,
    login: {
      perAccountAddress: config.loginFailuresPerAccountAddress,
      perAccount: config.loginFailuresPerAccount,
      perAddress: config.loginFailuresPerAddress,
      windowSeconds: config.loginFailureWindowSeconds,
    },
    registration: { perAddress: config.registrationRateLimit, windowSeconds: config.registrationRateWindowSeconds },
    submitPerSecond: config.submitRateLimit,
  });
  const tokens = createTokens({ secret: config.jwtSecret, issuer: config.jwtIssuer, ttlSeconds: config.jwtTtlSeconds });
  // Filled in once every route is registered; the error handler asks it which methods a path has.
  let allowedMethods: AllowedMethods = () => [];
  // The same for the docs: the document describes every route.
  let everyRoute: AnyElysia | undefined;
  const app = new Elysia()
    .use(requestTarget())
    .use(requestContext(log))
    .use(securityHeaders())
    .use(cors(config.corsOrigins))
    .use(httpMetricsPlugin(httpMetrics(registry)))
    .use(errorHandler(log, (path) => allowedMethods(path)))
    .use(bodyParser({ limitBytes: config.bodyLimitBytes, timeoutMs: config.bodyTimeoutMs }))
    .use(docs(() => everyRoute as AnyElysia))
    .use(healthRoutes({ readiness, queue: { name: queue.name, paused: () => queue.isPaused() } }))
    .use(
      authRoutes({
        db,
        tokens,
        passwords: createPasswords({
          cost: config.bcryptCost,
          gate: createHashingGate({ slots: config.hashConcurrency, maxWaitMs: config.hashQueueTimeoutMs }),
        }),
        registration: config.registration,
        adminEmails: config.adminEmails,
        revocation,
        rateLimits,
        clientAddress: clientAddressOf(config.trustProxy),
        now,
      }),
    )
    .use(
      jobRoutes({
        db,
        queue,
        queueReady,
        now,
        log,
        tokens,
        revocation,
        metrics: submitMetrics(registry),
        maxPayloadBytes: config.maxPayloadBytes,
        quota: createQueuedQuota({ db, limit: config.maxQueuedPerUser }),
        rateLimits,
        defaultGroup: config.defaultGroup,
        retentionMs: config.jobRetentionSeconds * 1000,
        queuePaused,
      }),
    )
    .use(
      adminRoutes({
        db,
        queue,
        log,
        now,
        tokens,
        revocation,
        retentionMs: config.jobRetentionSeconds * 1000,
        leaseMs: config.workerLeaseMs,
        audit: createAudit({ db, now }),
      }),
    )
    .use(metricsRoutes({ registry, token: config.metricsToken }))
    .use(consoleRoutes());
  allowedMethods = allowedMethodsFrom(app.routes);
  everyRoute = app;
  return app;
}

export type App = ReturnType<typeof buildApp>;
