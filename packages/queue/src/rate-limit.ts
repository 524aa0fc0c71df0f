// Rate limiting in Redis: one atomic fixed-window counter per scope and subject (rate-limit.lua).
import type Redis from "ioredis";
import { rateLimitKeys } from "./keys";
import { defineScripts } from "./scripts";

export type RateDecision = { allowed: boolean; count: number; retryAfterMs: number };

export function createRateLimiter(redis: Redis) {
  const r = defineScripts(redis);
  return {
    async hit(scope: string, subject: string, limit: number, windowMs: number): Promise<RateDecision> {
      const [allowed, count, ttl] = await r.lineupRateLimit(rateLimitKeys.window(scope, subject), limit, windowMs);
      return { allowed: allowed === 1, count, retryAfterMs: ttl };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
