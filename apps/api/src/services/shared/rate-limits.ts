// The api's rate limits, counted in Redis by rate-limiter-flexible (fixed windows, atomic per key) on the api's own
// ioredis client, with a counting script of our own (rate-limit.lua: two Redis commands per count, not four).
// Logins follow the library's login-protection recipe: only FAILED logins count, per account and address, per
// account and per address, and a success clears the account's failures, so everyone behind one NAT can keep logging
// in. Registrations count per address, submissions per user per second. Over a limit the answer is 429 rate_limited
// with Retry-After. Subjects are hashed, so no email or address is written into a Redis key.
import { createHash } from "node:crypto";
import { AppError, errors } from "@lineup/errors";
import { rateLimitKeys } from "@lineup/queue";
import type Redis from "ioredis";
import { type RateLimiterAbstract, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import countInWindow from "./rate-limit.lua" with { type: "text" };

export type LoginLimits = {
  /** Failures one address may have on one account: the guesser's own budget. */
  perAccountAddress: number;
  /** Failures on one account from anywhere: bounds guessing spread over many addresses. */
  perAccount: number;
  /** Failures from one address on any accounts: bounds spraying one password over many accounts. */
  perAddress: number;
  windowSeconds: number;
};

/** A login's hold on the failure counters, taken before the password is checked and settled after. */
export type LoginAttempt = {
  /** The password was right: clear the account's failures and give the address its share back. */
  succeeded(): Promise<void>;
  /** The password was never judged (a 503 on the way): the attempt counts for nothing. */
  abandoned(): Promise<void>;
};

export type RateLimits = ReturnType<typeof createRateLimits>;

/** A counter and its key; `points` is what one use costs (a batch of n jobs costs n submissions). */
type Counter = [limiter: RateLimiterAbstract, key: string, points?: number];

export const rateLimited = (seconds: number) =>
  new AppError(429, "rate_limited", `Too many requests; retry in ${seconds} s.`, {
    headers: { "retry-after": String(seconds) },
  });

export function createRateLimits(deps: {
  redis: Redis;
  /** QUEUE_NAME: the limits' keys are the queue's own. */
  queue: string;
  login: LoginLimits;
  registration: { perAddress: number; windowSeconds: number };
  submitPerSecond: number;
}) {
  const limiter = (scope: string, points: number, duration: number) =>
    new RateLimiterRedis({
      storeClient: deps.redis,
      keyPrefix: rateLimitKeys.prefix(deps.queue, scope),
      points,
      duration,
      customIncrTtlLuaScript: countInWindow,
    });
  const { login } = deps;
  const accountAddress = limiter("login-failures-account-address", login.perAccountAddress, login.windowSeconds);
  const account = limiter("login-failures-account", login.perAccount, login.windowSeconds);
  const address = limiter("login-failures-address", login.perAddress, login.windowSeconds);
  const registrations = limiter("register-address", deps.registration.perAddress, deps.registration.windowSeconds);
  const submissions = limiter("submit", deps.submitPerSecond, 1);

  return {
    /**
     * Counts the login as a failure up front, before any bcrypt time is spent, so parallel guesses cannot all slip
     * under a limit; 429 when a counter is already spent (and then it counts for nothing).
     */
    async beginLogin(email: string, from: string): Promise<LoginAttempt> {
      const keys = { accountAddress: hash(`${email}\n${from}`), account: hash(email), address: hash(from) };
      const counters: Counter[] = [
        [accountAddress, keys.accountAddress],
        [account, keys.account],
        [address, keys.address],
      ];
      await consumeAll(counters);
      return {
        succeeded: () =>
          guarded(() =>
            Promise.all([
              accountAddress.delete(keys.accountAddress),
              account.delete(keys.account),
              address.reward(keys.address, 1),
            ]),
          ),
        abandoned: () => guarded(() => Promise.all(counters.map(([l, key]) => l.reward(key, 1)))),
      };
    },

    register: (from: string) => consumeAll([[registrations, hash(from)]]),
    /** Each job counts: a batch of n jobs is n submissions. */
    submit: (userId: string, jobs = 1) => consumeAll([[submissions, hash(userId), jobs]]),
  };
}

/** Takes one point from every counter, or none: when any refuses, the others are given back. */
async function consumeAll(counters: Counter[]): Promise<void> {
  const results = await Promise.allSettled(counters.map(([l, key, points = 1]) => l.consume(key, points)));
  const refusals = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (!refusals.length) return;
  const limited = refusals.filter((r): r is RateLimiterRes => r instanceof RateLimiterRes);
  // Redis did not answer: say so at once (another round trip to give points back would wait as long again).
  if (limited.length < refusals.length) throw unavailable(refusals.find((r) => !(r instanceof RateLimiterRes)));
  // A refused consume has counted too (the store increments, then compares), so every counter gets its point back.
  await guarded(() => Promise.all(counters.map(([l, key, points = 1]) => l.reward(key, points))));
  const seconds = Math.max(1, Math.ceil(Math.max(...limited.map((r) => r.msBeforeNext)) / 1000));
  throw rateLimited(seconds);
}

async function guarded<T>(work: () => Promise<T>): Promise<void> {
  await work().catch((err) => {
    throw unavailable(err);
  });
}

const unavailable = (cause: unknown) =>
  errors.unavailable("Rate limits cannot be checked right now; try again shortly.", undefined, cause);

function hash(subject: string): string {
  return createHash("sha256").update(subject).digest("base64url").slice(0, 22);
}
