// Token revocation: a logged-out token's jti is denied until it expires; a password change moves the user's token
// generation on, which retires every token issued before it. One Redis round trip per authenticated request;
// MongoDB holds the generation, Redis caches it.
import { type Db, findUserById } from "@lineup/db";
import { errors } from "@lineup/errors";
import { authKeys, raiseTokenGeneration } from "@lineup/queue";
import type Redis from "ioredis";
import type { Claims } from "./tokens";

const GENERATION_CACHE_SECONDS = 24 * 3600;

export type Revocation = ReturnType<typeof createRevocation>;

export function createRevocation(deps: { redis: Redis; db: Db }) {
  const unavailable = (err: unknown) => {
    throw errors.unavailable("Tokens cannot be checked right now; try again shortly.", undefined, err);
  };
  // Never lowers the cached generation: a fill that read MongoDB just before a password change may land after the
  // change's own write, and must not bring the retired generation back for a day.
  const raiseGeneration = async (userId: string, generation: number) => {
    await raiseTokenGeneration(deps.redis, userId, generation, GENERATION_CACHE_SECONDS).catch(unavailable);
  };
  return {
    /** True while the token is neither logged out nor older than the user's last password change. */
    async isValid(claims: Claims): Promise<boolean> {
      const [revoked, cached] = await deps.redis
        .mget(authKeys.revoked(claims.sub, claims.jti), authKeys.generation(claims.sub))
        .catch(unavailable);
      if (revoked) return false;
      let generation = cached === null ? null : Number(cached);
      if (generation === null) {
        const user = await findUserById(deps.db, claims.sub);
        if (!user) return false;
        generation = user.tokenGeneration ?? 0;
        await raiseGeneration(claims.sub, generation);
      }
      return claims.gen === generation;
    },

    /** Denies this one token until it would have expired anyway. */
    async revoke(claims: Claims): Promise<void> {
      const seconds = Math.max(1, claims.exp - Math.floor(Date.now() / 1000));
      await deps.redis.set(authKeys.revoked(claims.sub, claims.jti), "1", "EX", seconds).catch(unavailable);
    },

    raiseGeneration,
  };
}
