// Builds the Lineup HTTP app from injected dependencies; never listens and never reads the environment.
import type { Config } from "@lineup/config";
import type { Db } from "@lineup/db";
import { checkReadiness } from "@lineup/health";
import type { Logger } from "@lineup/log";
import { createRegistry, eventMetrics, httpMetrics, type Registry, submitMetrics } from "@lineup/metrics";
import { createEventLog, createQueue, createUserSlots } from "@lineup/queue";
import { type Tracing, tracingOff } from "@lineup/tracing";
import { type AnyElysia, Elysia } from "elysia";
import type Redis from "ioredis";
import { docs } from "./docs";
import { type AllowedMethods, allowedMethodsFrom } from "./middlewares/allowed-methods";
import { authBeforeBody } from "./middlewares/auth";
import { bodyParser } from "./middlewares/body-parser";
import { clientAddressOf } from "./middlewares/client-address";
import { cors } from "./middlewares/cors";
import { errorHandler } from "./middlewares/error-handler";
import { requestContext } from "./middlewares/request-context";
import { requestTarget } from "./middlewares/request-target";
import { securityHeaders } from "./middlewares/security-headers";
import { requestTracing } from "./middlewares/tracing";
import { httpMetricsPlugin } from "./monitoring/http-metrics";
import { storeMetrics } from "./monitoring/store-metrics";
import { adminRoutes } from "./routes/admin";
import { authRoutes } from "./routes/auth";
import { consoleRoutes } from "./routes/console";
import { eventRoutes } from "./routes/events";
import { groupRoutes } from "./routes/groups";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { metricsRoutes } from "./routes/metrics";
import { scheduleRoutes } from "./routes/schedules";
import { MAX_WAIT_SECONDS } from "./schemas/jobs";
import { createAudit } from "./services/admin";
import { createHashingGate, createPasswords, createRevocation, createTokens } from "./services/auth";
import { createAnnounce, createChangeFeed, createEventStreams } from "./services/events";
import {
  createPausedView,
  createPositions,
  createQueuedQuota,
  createQueueReady,
  createSubmitWrites,
  createWaits,
} from "./services/jobs";
import { createJobReader, createRateLimits } from "./services/shared";

export type AppDeps = {
  config: Config;
  db: Db;
  redis: Redis;
  log: Logger;
  /** Where this app's metrics go; one per process (a fresh one per app in tests). */
  registry?: Registry;
  now?: () => Date;
  /**
   * The connection that listens for job changes (it is in subscriber mode, so it is no other's). Without one, the app
   * makes it from `redis` when something first waits.
   */
  subscriber?: Redis;
  /** Aborted at shutdown: long-polls answer and event streams end, so the server can drain. */
  closing?: AbortSignal;
  /** OpenTelemetry traces (off unless an OTLP endpoint is set). */
  tracing?: Tracing;
};

export function buildApp(deps: AppDeps) {
  const { config, db, redis, log } = deps;
  const now = deps.now ?? (() => new Date());
  const tracing = deps.tracing ?? tracingOff;
  const queue = createQueue(redis, config.queueName, { partitions: config.queuePartitions });
  const registry = deps.registry ?? createRegistry("api", config.queueName);
  const readiness = () => checkReadiness({ db, redis, timeoutMs: config.readyTimeoutMs });
  const queuePaused = createPausedView(queue);
  storeMetrics(registry, { db, queue, leaseMs: config.workerLeaseMs, timeoutMs: config.readyTimeoutMs });
  const queueReady = createQueueReady({ redis, queue, db });
  const writes = createSubmitWrites(db);
  const revocation = createRevocation({ redis, db });
  const rateLimits = createRateLimits({
    redis,
    queue: config.queueName,
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
  const events = createEventLog(redis, config.queueName, { historyLength: config.eventHistoryLength });
  const announce = createAnnounce(events, log);
  const feed = createChangeFeed({ subscriber: deps.subscriber ?? subscriberOf(redis), channel: events.channel, log });
  const closing = deps.closing ?? new AbortController().signal;
  const metrics = eventMetrics(registry);
  const waits = createWaits({
    db,
    feed,
    positions: createPositions({ db, queue: queue.name }),
    metrics,
    maxOpen: config.longPollsMax,
    // A wait lasts at most MAX_WAIT_SECONDS; its slot's lease covers that and the time to answer.
    slots: createUserSlots(redis, queue.name, "waits", {
      limit: config.longPollsPerUser,
      leaseMs: (MAX_WAIT_SECONDS + 30) * 1000,
    }),
    perUser: config.longPollsPerUser,
    closing,
  });
  const streams = createEventStreams({
    db,
    feed,
    events,
    read: createJobReader(db),
    log,
    metrics,
    heartbeatMs: config.sseHeartbeatMs,
    perUser: config.sseStreamsPerUser,
    // Renewed on each heartbeat: a stream of a process that died frees its slot within three heartbeats.
    slots: createUserSlots(redis, queue.name, "streams", {
      limit: config.sseStreamsPerUser,
      leaseMs: config.sseHeartbeatMs * 3,
    }),
    max: config.sseStreamsMax,
    closing,
  });
  // Filled in once every route is registered; the error handler asks it which methods a path has.
  let allowedMethods: AllowedMethods = () => [];
  // The same for the docs: the document describes every route.
  let everyRoute: AnyElysia | undefined;
  const app = new Elysia()
    .use(requestTarget())
    .use(requestTracing(tracing))
    .use(requestContext(log))
    .use(securityHeaders())
    .use(cors(config.corsOrigins))
    .use(httpMetricsPlugin(httpMetrics(registry)))
    .use(errorHandler(log, (path) => allowedMethods(path)))
    .use(authBeforeBody(tokens, revocation))
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
        revocation,
        rateLimits,
        clientAddress: clientAddressOf(config.trustProxy),
        now,
      }),
    )
    .use(
      jobRoutes({
        db,
        writes,
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
        defaultOnFailure: config.defaultOnFailure,
        retentionMs: config.jobRetentionSeconds * 1000,
        allowedNetworks: config.httpJobAllowedNetworks,
        announce,
        queuePaused,
        waits,
        tracing,
      }),
    )
    .use(eventRoutes({ tokens, revocation, streams }))
    .use(groupRoutes({ db, queue, now, announce, tokens, revocation }))
    .use(
      scheduleRoutes({
        db,
        queue,
        now,
        tokens,
        revocation,
        maxPerUser: config.maxSchedulesPerUser,
        maxPayloadBytes: config.maxPayloadBytes,
        allowedNetworks: config.httpJobAllowedNetworks,
      }),
    )
    .use(
      adminRoutes({
        db,
        writes,
        queue,
        log,
        now,
        tokens,
        revocation,
        retentionMs: config.jobRetentionSeconds * 1000,
        leaseMs: config.workerLeaseMs,
        audit: createAudit({ db, now }),
        announce,
      }),
    )
    .use(metricsRoutes({ registry, token: config.metricsToken }))
    .use(consoleRoutes());
  allowedMethods = allowedMethodsFrom(app.routes);
  everyRoute = app;
  return app;
}

export type App = ReturnType<typeof buildApp>;

/**
 * A subscriber made from the app's connection, connecting only when first used. A Redis Cluster client subscribes on
 * a connection of its own already; a single server's is duplicated, with an offline queue so a subscription made
 * while Redis is away goes out once it is back.
 */
function subscriberOf(redis: Redis): Redis {
  if ((redis as unknown as { isCluster?: boolean }).isCluster) return redis;
  return redis.duplicate({ lazyConnect: true, enableOfflineQueue: true, commandTimeout: undefined });
}
