// Builds the app against the test kit's real servers and calls it without opening a port.
import { loadConfig } from "@lineup/config";
import { type Db, ensureIndexes } from "@lineup/db";
import { createLogger } from "@lineup/log";
import type { TestContext } from "@lineup/testkit";
import { freePort } from "@lineup/testkit";
import Redis from "ioredis";
import { buildApp } from "../src/app";

export const TEST_SECRET = "api-test-secret-that-is-long-enough-000";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
export type Called = { status: number; headers: Headers; body: any; text: string };
export type CallOptions = { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> };

export async function makeApp(
  ctx: TestContext,
  options: { env?: Record<string, string>; redis?: Redis; logLines?: string[]; db?: Db; closing?: AbortSignal } = {},
) {
  await ensureIndexes(ctx.db);
  const config = loadConfig({
    ...ctx.env,
    JWT_SECRET: TEST_SECRET,
    BCRYPT_COST: "4",
    // Tests fail logins far more often than a person (all from one "unknown" address); limits.test.ts sets its own.
    LOGIN_FAILURES_PER_ADDRESS: "100000",
    REGISTRATION_RATE_LIMIT: "100000",
    SUBMIT_RATE_LIMIT: "100000",
    ...options.env,
  });
  const log = createLogger({ write: (line) => options.logLines?.push(line) });
  const app = buildApp({
    config,
    db: options.db ?? ctx.db,
    redis: options.redis ?? ctx.redisClient,
    log,
    closing: options.closing,
  });
  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<Called> => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return { app, config, call };
}

let counter = 0;
export function uniqueEmail(tag = "user"): string {
  counter += 1;
  return `${tag}.${counter}.${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** A Redis client pointed at a port nothing listens on, failing fast like the api's own client. */
export async function unreachableRedis(): Promise<Redis> {
  const redis = new Redis({
    port: await freePort(),
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  return redis;
}

/** Registers a fresh user and returns its bearer token. */
export async function tokenFor(
  api: { call: (m: string, p: string, o?: CallOptions) => Promise<Called> },
  tag = "user",
) {
  const email = uniqueEmail(tag);
  await api.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
  return (await api.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body
    .accessToken as string;
}

/**
 * An HTTP server on loopback for `http` jobs and webhooks to reach: it records each request, and answers with what
 * `reply` says (by default 200 at once; a promise holds the answer back).
 */
export function startTarget(
  reply: (req: Request, body: string) => Response | Promise<Response> = () => new Response("ok"),
) {
  const requests: { at: number; headers: Headers; body: string; path: string }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.text();
      requests.push({ at: Date.now(), headers: req.headers, body, path: new URL(req.url).pathname });
      return reply(req, body);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) };
}
