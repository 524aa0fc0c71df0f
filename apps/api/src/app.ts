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
import { createQueue, createRateLimiter } from "@lineup/queue";
import { type AnyElysia, Elysia } from "elysia";
import type Redis from "ioredis";
import { docs } from "./docs";
import { type AllowedMethods, allowedMethodsFrom } from "./middlewares/allowed-methods";
import { bodyParser } from "./middlewares/body-parser";
import { cors } from "./middlewares/cors";
import { errorHandler } from "./middlewares/error-handler";
import { requestContext } from "./middlewares/request-context";
import { securityHeaders } from "./middlewares/security-headers";
import { httpMetricsPlugin } from "./monitoring/http-metrics";
import { authRoutes } from "./routes/auth";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { metricsRoutes } from "./routes/metrics";
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
  const queue = createQueue(redis, config.queueName);
  const registry = deps.registry ?? createRegistry("api", config.queueName);
  const readiness = () => checkReadiness({ db, redis, timeoutMs: config.readyTimeoutMs });
  dependencyMetrics(registry, readiness);
  queueMetrics(registry, config.queueName, async () => ({
    ...(await queue.snapshot(config.workerLeaseMs)),
    queuedJobs: await countQueueJobs(db, queue.name, "queued"),
  }));
  const queueReady = createQueueReady({ redis, queue, db });
  const revocation = createRevocation({ redis, db });
  const rateLimits = createRateLimits({
    limiter: createRateLimiter(redis),
    loginLimit: config.loginRateLimit,
    loginWindowSeconds: config.loginRateWindowSeconds,
    submitPerSecond: config.submitRateLimit,
  });
  const tokens = createTokens({ secret: config.jwtSecret, issuer: config.jwtIssuer, ttlSeconds: config.jwtTtlSeconds });
  // Filled in once every route is registered; the error handler asks it which methods a path has.
  let allowedMethods: AllowedMethods = () => [];
  // The same for the docs: the document describes every route.
  let everyRoute: AnyElysia | undefined;
  const app = new Elysia()
    .use(requestContext(log))
    .use(securityHeaders())
    .use(cors(config.corsOrigins))
    .use(httpMetricsPlugin(httpMetrics(registry)))
    .use(errorHandler(log, (path) => allowedMethods(path)))
    .use(bodyParser(config.bodyLimitBytes))
    .use(docs(() => everyRoute as AnyElysia))
    .use(healthRoutes({ readiness }))
    .use(
      authRoutes({
        db,
        tokens,
        bcryptCost: config.bcryptCost,
        adminEmails: config.adminEmails,
        revocation,
        rateLimits,
        trustProxy: config.trustProxy,
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
      }),
    )
    .use(metricsRoutes({ registry, token: config.metricsToken }));
  allowedMethods = allowedMethodsFrom(app.routes);
  everyRoute = app;
  return app;
}

export type App = ReturnType<typeof buildApp>;
