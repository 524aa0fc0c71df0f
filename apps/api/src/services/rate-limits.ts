// The api's rate limits: login attempts per account and per client address, submissions per user per second.
// Answers 429 rate_limited with Retry-After. Subjects are hashed, so no email is written into a Redis key.
import { createHash } from "node:crypto";
import { AppError, errors } from "@lineup/errors";
import type { RateLimiter } from "@lineup/queue";

export type RateLimits = ReturnType<typeof createRateLimits>;

export const rateLimited = (seconds: number) =>
  new AppError(429, "rate_limited", `Too many requests; retry in ${seconds} s.`, {
    headers: { "retry-after": String(seconds) },
  });

export function createRateLimits(deps: {
  limiter: RateLimiter;
  loginLimit: number;
  loginWindowSeconds: number;
  submitPerSecond: number;
}) {
  const enforce = async (scope: string, subject: string, limit: number, windowMs: number, cost = 1) => {
    const decision = await deps.limiter.hit(scope, hash(subject), limit, windowMs, cost).catch((err) => {
      throw errors.unavailable("Rate limits cannot be checked right now; try again shortly.", undefined, err);
    });
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw rateLimited(seconds);
  };
  return {
    /** Before the password is even checked, so a guessing client costs no bcrypt time past the limit. */
    async login(email: string, address: string): Promise<void> {
      const windowMs = deps.loginWindowSeconds * 1000;
      await enforce("login-address", address, deps.loginLimit, windowMs);
      await enforce("login-account", email, deps.loginLimit, windowMs);
    },
    /** Each job counts: a batch of n jobs is n submissions. */
    submit: (userId: string, jobs = 1) => enforce("submit", userId, deps.submitPerSecond, 1000, jobs),
  };
}

function hash(subject: string): string {
  return createHash("sha256").update(subject).digest("base64url").slice(0, 22);
}
