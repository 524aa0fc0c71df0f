// Rate limiting in Redis: one atomic fixed-window counter per scope and subject (rate-limit.lua).
import type Redis from "ioredis";
import { rateLimitKeys } from "./keys";
import { defineScripts } from "./scripts";

export type RateDecision = { allowed: boolean; count: number; retryAfterMs: number };

export function createRateLimiter(redis: Redis) {
  const r = defineScripts(redis);
  return {
    /** Counts `cost` attempts (a batch of n jobs is n submissions) against `limit` per window. */
    async hit(scope: string, subject: string, limit: number, windowMs: number, cost = 1): Promise<RateDecision> {
      const key = rateLimitKeys.window(scope, subject);
      const [allowed, count, ttl] = await r.lineupRateLimit(key, limit, windowMs, cost);
      return { allowed: allowed === 1, count, retryAfterMs: ttl };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
