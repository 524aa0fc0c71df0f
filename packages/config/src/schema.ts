// The one zod schema for Lineup's environment: every setting, its default and its limits.
import { isIP } from "node:net";
import { z } from "zod";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema);

const port = (fallback: number) =>
  opt(z.coerce.number({ error: "must be a port number" }).int().min(0).max(65535).default(fallback));

const list = (v: string) =>
  v
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** An IPv4 or IPv6 network as address/prefix; a bare address means that one host. Returns null when it is not one. */
export function toCidr(text: string): string | null {
  const [address = "", prefix, extra] = text.split("/");
  const version = isIP(address);
  if (!version || extra !== undefined) return null;
  const maxBits = version === 4 ? 32 : 128;
  if (prefix === undefined) return `${address}/${maxBits}`;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > maxBits) return null;
  return `${address}/${Number(prefix)}`;
}

const cidrList = () =>
  opt(
    z
      .string()
      .default("")
      .transform(list)
      .refine(
        (items) => items.every((item) => toCidr(item) !== null),
        "must be IP networks like 10.0.0.0/8 or fd00::/8",
      )
      .transform((items) => items.map((item) => toCidr(item) as string)),
  );

const PROXY_RANGES = ["loopback", "linklocal", "uniquelocal"];
const MAX_PROXY_HOPS = 10;

/**
 * TRUST_PROXY: off, the number of proxies in front (each appends the address it got the request from), or the
 * addresses of the proxies. `true` is refused: trusting every entry would let a client name any address it likes.
 */
const trustProxy = () =>
  opt(
    z
      .string()
      .default("false")
      .transform((v, ctx): false | { hops: number } | { addresses: string[] } => {
        const value = v.trim().toLowerCase();
        if (["false", "0", "no", "off"].includes(value)) return false;
        if (/^\d+$/.test(value) && Number(value) <= MAX_PROXY_HOPS) return { hops: Number(value) };
        const addresses = list(value).map((item) => (PROXY_RANGES.includes(item) ? item : toCidr(item)));
        if (addresses.length && addresses.every((a) => a !== null)) return { addresses: addresses as string[] };
        ctx.addIssue({
          code: "custom",
          message: `must be false, the number of proxies in front (1-${MAX_PROXY_HOPS}), or their addresses (CIDRs, loopback, linklocal, uniquelocal)`,
        });
        return z.NEVER;
      }),
  );

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const duration = (fallback: string) =>
  opt(
    z
      .string()
      .default(fallback)
      .refine((v) => /^\d+[smhd]?$/.test(v), "must be seconds or a number with s, m, h or d (e.g. 15m)")
      .transform((v) => {
        const unit = (/[smhd]$/.exec(v)?.[0] ?? "s") as keyof typeof UNIT_SECONDS;
        return Number.parseInt(v, 10) * UNIT_SECONDS[unit];
      })
      .refine((s) => s > 0, "must be longer than zero"),
  );

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

const otlpUrl = () => z.string().refine((v) => /^https?:\/\/[^\s]+$/.test(v), "must be an http:// or https:// URL");
const otlpProtocol = () =>
  z.enum(["http/protobuf", "http/json"], { error: "must be http/protobuf or http/json (grpc is not supported)" });

/** OpenTelemetry's `key=value,key2=value2` lists (headers, resource attributes), values percent-decoded. */
const keyValues = (name: string) =>
  z.string().transform((v, ctx) => {
    const pairs: Record<string, string> = {};
    for (const item of list(v)) {
      const at = item.indexOf("=");
      const key = item.slice(0, at).trim();
      if (at < 1 || !key) {
        ctx.addIssue({ code: "custom", message: `${name} must be key=value pairs separated by commas` });
        return z.NEVER;
      }
      try {
        pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} has a value that is not percent-encoded properly` });
        return z.NEVER;
      }
    }
    return pairs;
  });

export const envSchema = z.object({
  NODE_ENV: opt(z.enum(["development", "production", "test"]).default("development")),
  HOST: opt(z.string().default("0.0.0.0")),
  PORT: port(3000),
  MONGO_URL: opt(
    z
      .string()
      .default("mongodb://127.0.0.1:27017")
      .refine((v) => /^mongodb(\+srv)?:\/\//.test(v), "must start with mongodb:// or mongodb+srv://"),
  ),
  MONGO_DB: opt(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "must be 1-63 letters, digits, _ or -")
      .default("lineup"),
  ),
  REDIS_URL: opt(
    z
      .string()
      .default("redis://127.0.0.1:6379")
      .refine((v) => /^rediss?:\/\//.test(v), "must start with redis:// or rediss://"),
  ),
  REDIS_CLUSTER_NODES: opt(
    z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean),
      )
      .refine(
        (nodes) => nodes.every((n) => /^rediss?:\/\/[^/\s]+$/.test(n)),
        "must be redis:// or rediss:// URLs of cluster nodes, comma-separated",
      ),
  ),
  QUEUE_NAME: opt(
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, _, . or -")
      .default("default"),
  ),
  QUEUE_PARTITIONS: opt(z.coerce.number().int().min(1).max(256).default(1)),
  MONGO_WRITE_CONCERN: opt(
    z
      .string()
      .regex(/^(majority|\d{1,2})$/, "must be majority or a number of members")
      .default("majority"),
  ),
  JWT_SECRET: opt(
    z
      .string()
      .refine((v) => new TextEncoder().encode(v).length >= 32, "must be at least 32 bytes")
      .optional(),
  ),
  JWT_TTL: duration("1h"),
  JWT_ISSUER: opt(z.string().min(1).default("lineup")),
  BCRYPT_COST: opt(z.coerce.number().int().min(4).max(31).default(12)),
  WORKER_ID: opt(
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 letters, digits, _, . or -")
      .optional(),
  ),
  WORKER_METRICS_PORT: port(9100),
  WORKER_CONCURRENCY: opt(z.coerce.number().int().min(1).max(256).default(1)),
  DEFAULT_GROUP: opt(z.enum(["queue", "user"], { error: "must be queue or user" }).default("queue")),
  DEFAULT_ON_FAILURE: opt(z.enum(["continue", "halt"], { error: "must be continue or halt" }).default("continue")),
  HTTP_JOB_ALLOWED_NETWORKS: cidrList(),
  LOG_LEVEL: opt(z.enum(["debug", "info", "warn", "error"]).default("info")),
  LOG_FORMAT: opt(z.enum(["json", "pretty"], { error: "must be json or pretty" }).default("json")),
  BODY_LIMIT_BYTES: opt(
    z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
  ),
  BODY_TIMEOUT_MS: opt(z.coerce.number().int().min(100).max(600_000).default(10_000)),
  METRICS_TOKEN: opt(z.string().min(16, "must be at least 16 characters").optional()),
  SHUTDOWN_GRACE_MS: opt(z.coerce.number().int().min(0).max(600_000).default(10_000)),
  JOB_TIMEOUT_MS: opt(z.coerce.number().int().min(100).max(3_600_000).default(60_000)),
  RETRY_BACKOFF_MS: opt(z.coerce.number().int().min(0).max(600_000).default(1_000)),
  WORKER_LEASE_MS: opt(z.coerce.number().int().min(1_000).max(60_000).default(8_000)),
  WORKER_STALL_MS: opt(z.coerce.number().int().min(1_000).max(3_600_000).default(30_000)),
  RECONCILE_INTERVAL_MS: opt(z.coerce.number().int().min(500).max(3_600_000).default(5_000)),
  RECONCILE_GRACE_MS: opt(z.coerce.number().int().min(1_000).max(3_600_000).default(30_000)),
  CORS_ORIGINS: opt(
    z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .refine(
        (list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)),
        "must be origins like https://app.example.com",
      ),
  ),
  TRUST_PROXY: trustProxy(),
  LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: opt(z.coerce.number().int().min(1).max(1_000_000).default(10)),
  LOGIN_FAILURES_PER_ACCOUNT: opt(z.coerce.number().int().min(1).max(1_000_000).default(50)),
  LOGIN_FAILURES_PER_ADDRESS: opt(z.coerce.number().int().min(1).max(1_000_000).default(100)),
  LOGIN_FAILURE_WINDOW: duration("15m"),
  REGISTRATION: opt(z.enum(["open", "closed", "admin"], { error: "must be open, closed or admin" }).default("open")),
  REGISTRATION_RATE_LIMIT: opt(z.coerce.number().int().min(1).max(1_000_000).default(10)),
  REGISTRATION_RATE_WINDOW: duration("1h"),
  HASH_CONCURRENCY: opt(z.coerce.number().int().min(1).max(256).optional()),
  HASH_QUEUE_TIMEOUT_MS: opt(z.coerce.number().int().min(10).max(60_000).default(3_000)),
  SUBMIT_RATE_LIMIT: opt(z.coerce.number().int().min(1).max(1_000_000).default(100)),
  MAX_QUEUED_PER_USER: opt(z.coerce.number().int().min(1).max(10_000_000).default(10_000)),
  MAX_SCHEDULES_PER_USER: opt(z.coerce.number().int().min(0).max(100_000).default(100)),
  MAX_PAYLOAD_BYTES: opt(
    z.coerce
      .number()
      .int()
      .min(64)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
  ),
  JOB_RETENTION: duration("30d"),
  READY_TIMEOUT_MS: opt(z.coerce.number().int().min(50).max(30_000).default(1_000)),
  EVENT_HISTORY_LENGTH: opt(z.coerce.number().int().min(10).max(1_000_000).default(1_000)),
  SSE_STREAMS_PER_USER: opt(z.coerce.number().int().min(1).max(10_000).default(10)),
  SSE_STREAMS_MAX: opt(z.coerce.number().int().min(1).max(1_000_000).default(5_000)),
  SSE_HEARTBEAT_MS: opt(z.coerce.number().int().min(1_000).max(300_000).default(15_000)),
  LONG_POLLS_MAX: opt(z.coerce.number().int().min(1).max(1_000_000).default(10_000)),
  LONG_POLLS_PER_USER: opt(z.coerce.number().int().min(1).max(100_000).default(20)),
  WEBHOOK_TIMEOUT_MS: opt(z.coerce.number().int().min(100).max(60_000).default(10_000)),
  WEBHOOK_RETRY_BASE_MS: opt(z.coerce.number().int().min(100).max(3_600_000).default(10_000)),
  WEBHOOK_RETRY_WINDOW: duration("24h"),
  // OpenTelemetry's standard variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
  OTEL_EXPORTER_OTLP_ENDPOINT: opt(otlpUrl().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: opt(otlpUrl().optional()),
  OTEL_EXPORTER_OTLP_PROTOCOL: opt(otlpProtocol().default("http/protobuf")),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: opt(otlpProtocol().optional()),
  OTEL_EXPORTER_OTLP_HEADERS: opt(keyValues("OTEL_EXPORTER_OTLP_HEADERS").default({})),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: opt(keyValues("OTEL_EXPORTER_OTLP_TRACES_HEADERS").optional()),
  OTEL_SERVICE_NAME: opt(z.string().max(256).optional()),
  OTEL_RESOURCE_ATTRIBUTES: opt(keyValues("OTEL_RESOURCE_ATTRIBUTES").default({})),
  OTEL_TRACES_SAMPLER: opt(
    z.enum(SAMPLERS, { error: `must be one of ${SAMPLERS.join(", ")}` }).default("parentbased_always_on"),
  ),
  OTEL_TRACES_SAMPLER_ARG: opt(z.coerce.number({ error: "must be a number from 0 to 1" }).min(0).max(1).optional()),
  OTEL_BSP_SCHEDULE_DELAY: opt(z.coerce.number().int().min(1).max(600_000).default(5_000)),
});

export type Env = z.input<typeof envSchema>;
