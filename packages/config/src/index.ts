// @lineup/config: parses the environment once into a typed, frozen Config.
// loadConfig is the only reader of process.env in Lineup (entries pass it in).
import { availableParallelism, hostname } from "node:os";
import { envSchema, type SAMPLERS } from "./schema";

export { envSchema, SAMPLERS } from "./schema";

export type TrustProxy = false | { hops: number } | { addresses: readonly string[] };

/** OpenTelemetry traces (the standard OTEL_* variables): off unless an endpoint is set. */
export type TracingSettings = Readonly<{
  /** Where spans go (OTLP over HTTP); none means tracing is off. */
  tracesUrl?: string;
  protocol: "http/protobuf" | "http/json";
  headers: Readonly<Record<string, string>>;
  /** OTEL_SERVICE_NAME, or service.name in OTEL_RESOURCE_ATTRIBUTES; else the process's own name. */
  serviceName?: string;
  resourceAttributes: Readonly<Record<string, string>>;
  sampler: (typeof SAMPLERS)[number];
  /** The ratio of the traceidratio samplers (OTEL_TRACES_SAMPLER_ARG, default 1). */
  samplerRatio: number;
  /** How often finished spans are sent (OTEL_BSP_SCHEDULE_DELAY). */
  exportDelayMs: number;
}>;

export type Config = Readonly<{
  env: "development" | "production" | "test";
  host: string;
  port: number;
  mongoUrl: string;
  mongoDb: string;
  redisUrl: string;
  /** Redis Cluster nodes (redis:// URLs); when set, REDIS_URL is not used. */
  redisClusterNodes: readonly string[];
  /** Partitions of the queue: each line lives in one, each partition's keys share a hash tag of their own. */
  queuePartitions: number;
  /** MongoDB write concern: "majority" or a number of members. */
  mongoWriteConcern: "majority" | number;
  queueName: string;
  jwtSecret: string;
  /** True when no JWT_SECRET was given and a random one was made for this process. */
  jwtSecretEphemeral: boolean;
  jwtTtlSeconds: number;
  jwtIssuer: string;
  bcryptCost: number;
  workerId: string;
  workerMetricsPort: number;
  /** Jobs one worker process runs at once, each from a different line. */
  workerConcurrency: number;
  /** The line of jobs without a group: one for the whole queue, or one per user. */
  defaultGroup: "queue" | "user";
  /** What a job's final failure does to its line when the job does not say (onFailure). */
  defaultOnFailure: "continue" | "halt";
  maxSchedulesPerUser: number;
  /**
   * CIDRs that `http` jobs may reach besides global unicast addresses. Link-local and cloud metadata addresses open only
   * through a network listed inside their own range.
   */
  httpJobAllowedNetworks: readonly string[];
  logLevel: "debug" | "info" | "warn" | "error";
  /** JSON lines (production, tests, log shippers) or human-readable lines (the dev run). */
  logFormat: "json" | "pretty";
  bodyLimitBytes: number;
  /** How long a request body may take to arrive in full; past it the api answers 408 and closes the connection. */
  bodyTimeoutMs: number;
  metricsToken?: string;
  shutdownGraceMs: number;
  readyTimeoutMs: number;
  /** Browser origins allowed by CORS; empty means CORS is off. */
  corsOrigins: readonly string[];
  /**
   * Who may say where a request came from (X-Forwarded-For): nobody, the nearest `hops` proxies, or proxies at these
   * addresses. The client address is the rightmost entry no trusted proxy wrote.
   */
  trustProxy: TrustProxy;
  /** Failed logins allowed per window: per account and address, per account, per address. Successes never count. */
  loginFailuresPerAccountAddress: number;
  loginFailuresPerAccount: number;
  loginFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  /** Who may create accounts: anyone, nobody, or admins only (the first account then comes from `admin create`). */
  registration: "open" | "closed" | "admin";
  /** Registrations one client address may make per window (an admin's are not counted). */
  registrationRateLimit: number;
  registrationRateWindowSeconds: number;
  /** bcrypt hashes (logins, registrations) running at once; the rest wait up to hashQueueTimeoutMs, then 503. */
  hashConcurrency: number;
  hashQueueTimeoutMs: number;
  /** Job submissions per user per second. */
  submitRateLimit: number;
  maxQueuedPerUser: number;
  /** Largest job payload, as JSON. */
  maxPayloadBytes: number;
  /** Longest a handler may run for one attempt. */
  jobTimeoutMs: number;
  /** First retry delay; doubles per attempt, capped at 30 s. */
  retryBackoffMs: number;
  /** How long the active worker's lease lasts without renewal (a standby takes over after it). */
  workerLeaseMs: number;
  /** A slot's step this far past its bound means the worker is stalled. */
  workerStallMs: number;
  reconcileIntervalMs: number;
  /** Age after which a queued job Redis never confirmed is re-enqueued. */
  reconcileGraceMs: number;
  /** How long a finished job is kept before MongoDB's TTL index removes it (and its dead-set entry goes). */
  jobRetentionSeconds: number;
  /** State changes kept per user for Server-Sent Events to resume from (Last-Event-ID). */
  eventHistoryLength: number;
  /** Open event streams one user may hold on one api process, and all users together. */
  sseStreamsPerUser: number;
  sseStreamsMax: number;
  /** How often an idle event stream gets a comment line, so proxies and clients see it alive. */
  sseHeartbeatMs: number;
  /** Long-polls (GET /v1/jobs/{id}?wait=) one api process holds at once. */
  longPollsMax: number;
  /** Long-polls one user may hold at once, across every api process. */
  longPollsPerUser: number;
  /** How long one webhook delivery may take. */
  webhookTimeoutMs: number;
  /** First delay before a failed webhook delivery is tried again; doubles per attempt, at most 2 h. */
  webhookRetryBaseMs: number;
  /** How long after its first attempt a webhook is retried before it is given up (status failed). */
  webhookRetryWindowSeconds: number;
  tracing: TracingSettings;
}>;

// Settings that were replaced by safer ones (or removed): a process given one refuses to start rather than silently
// ignore it.
const REPLACED: Record<string, string> = {
  // Registration granted admin to these emails with no proof of the address, and for good.
  ADMIN_EMAILS:
    "was removed: registration never grants admin; an operator grants and revokes it with `lineup-api admin grant <email>` (docs/security.md)",
  HTTP_JOB_ALLOW_PRIVATE: "was replaced by HTTP_JOB_ALLOWED_NETWORKS, a list of CIDRs (e.g. 10.0.0.0/8)",
  LOGIN_RATE_LIMIT:
    "was replaced by LOGIN_FAILURES_PER_ACCOUNT_ADDRESS, LOGIN_FAILURES_PER_ACCOUNT and LOGIN_FAILURES_PER_ADDRESS (failed logins only)",
  LOGIN_RATE_WINDOW: "was replaced by LOGIN_FAILURE_WINDOW",
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: { hostname?: string; pid?: number; cpus?: number; process?: "api" | "worker" } = {},
): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  // Checked on the raw values so it is reported together with any other problem. Only the api signs tokens;
  // the worker never needs the secret.
  if (options.process !== "worker" && env.NODE_ENV?.trim() === "production" && !env.JWT_SECRET?.trim()) {
    problems.push("JWT_SECRET: is required when NODE_ENV=production (at least 32 bytes)");
  }
  for (const [name, replacement] of Object.entries(REPLACED)) {
    if (env[name]?.trim()) problems.push(`${name}: ${replacement}`);
  }
  // A finished job is removed JOB_RETENTION after its end: its webhook must have given up retrying by then, or the
  // delivery loop would look for a record that is gone.
  if (parsed.success && parsed.data.JOB_RETENTION < parsed.data.WEBHOOK_RETRY_WINDOW) {
    problems.push(
      `JOB_RETENTION: must be at least WEBHOOK_RETRY_WINDOW (${parsed.data.JOB_RETENTION} s < ` +
        `${parsed.data.WEBHOOK_RETRY_WINDOW} s): a finished job is removed after JOB_RETENTION, while its webhook ` +
        "may still be retried for WEBHOOK_RETRY_WINDOW",
    );
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);

  const e = parsed.data;
  const secret = e.JWT_SECRET ?? randomSecret();
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    mongoUrl: e.MONGO_URL,
    mongoDb: e.MONGO_DB,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: Object.freeze(e.REDIS_CLUSTER_NODES),
    queuePartitions: e.QUEUE_PARTITIONS,
    mongoWriteConcern: e.MONGO_WRITE_CONCERN === "majority" ? "majority" : Number(e.MONGO_WRITE_CONCERN),
    queueName: e.QUEUE_NAME,
    jwtSecret: secret,
    jwtSecretEphemeral: !e.JWT_SECRET,
    jwtTtlSeconds: e.JWT_TTL,
    jwtIssuer: e.JWT_ISSUER,
    bcryptCost: e.BCRYPT_COST,
    workerId: e.WORKER_ID ?? defaultWorkerId(options.hostname ?? hostname(), options.pid ?? process.pid),
    workerMetricsPort: e.WORKER_METRICS_PORT,
    workerConcurrency: e.WORKER_CONCURRENCY,
    defaultGroup: e.DEFAULT_GROUP,
    defaultOnFailure: e.DEFAULT_ON_FAILURE,
    maxSchedulesPerUser: e.MAX_SCHEDULES_PER_USER,
    httpJobAllowedNetworks: Object.freeze(e.HTTP_JOB_ALLOWED_NETWORKS),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    bodyTimeoutMs: e.BODY_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    readyTimeoutMs: e.READY_TIMEOUT_MS,
    corsOrigins: Object.freeze(e.CORS_ORIGINS),
    trustProxy: e.TRUST_PROXY,
    loginFailuresPerAccountAddress: e.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS,
    loginFailuresPerAccount: e.LOGIN_FAILURES_PER_ACCOUNT,
    loginFailuresPerAddress: e.LOGIN_FAILURES_PER_ADDRESS,
    loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW,
    registration: e.REGISTRATION,
    registrationRateLimit: e.REGISTRATION_RATE_LIMIT,
    registrationRateWindowSeconds: e.REGISTRATION_RATE_WINDOW,
    // One core is left to the event loop: bcrypt on every core starves every other request.
    hashConcurrency: e.HASH_CONCURRENCY ?? Math.max(1, (options.cpus ?? availableParallelism()) - 1),
    hashQueueTimeoutMs: e.HASH_QUEUE_TIMEOUT_MS,
    submitRateLimit: e.SUBMIT_RATE_LIMIT,
    maxQueuedPerUser: e.MAX_QUEUED_PER_USER,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    jobTimeoutMs: e.JOB_TIMEOUT_MS,
    retryBackoffMs: e.RETRY_BACKOFF_MS,
    workerLeaseMs: e.WORKER_LEASE_MS,
    workerStallMs: e.WORKER_STALL_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    reconcileGraceMs: e.RECONCILE_GRACE_MS,
    jobRetentionSeconds: e.JOB_RETENTION,
    eventHistoryLength: e.EVENT_HISTORY_LENGTH,
    sseStreamsPerUser: e.SSE_STREAMS_PER_USER,
    sseStreamsMax: e.SSE_STREAMS_MAX,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    longPollsMax: e.LONG_POLLS_MAX,
    longPollsPerUser: e.LONG_POLLS_PER_USER,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    webhookRetryWindowSeconds: e.WEBHOOK_RETRY_WINDOW,
    tracing: tracingOf(e),
  });
}

/** OTLP's rules: the traces endpoint as given, or the general one with /v1/traces; per-signal settings win. */
function tracingOf(e: ReturnType<typeof envSchema.parse>): TracingSettings {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined);
  return Object.freeze({
    tracesUrl,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: Object.freeze({ ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS }),
    serviceName: e.OTEL_SERVICE_NAME ?? e.OTEL_RESOURCE_ATTRIBUTES["service.name"],
    resourceAttributes: Object.freeze({ ...e.OTEL_RESOURCE_ATTRIBUTES }),
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    exportDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
  });
}

/** For entry points: parse or print every problem and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>, role: "api" | "worker"): Config {
  try {
    return loadConfig(env, { process: role });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Host name and process id: unique per process on a host, and stable across restarts of a container (pid 1). */
function defaultWorkerId(host: string, pid: number): string {
  const name = host.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 100) || "worker";
  return `${name}-${pid}`;
}
