// The api's cache of each user's token generation (MongoDB holds the truth): written only upwards (raise-generation.lua).
import type Redis from "ioredis";
import { authKeys } from "./keys";
import { defineScripts } from "./scripts";

/** Caches `generation` for the user unless a higher one is cached already; returns the generation cached now. */
export function raiseTokenGeneration(
  redis: Redis,
  userId: string,
  generation: number,
  ttlSeconds: number,
): Promise<number> {
  return defineScripts(redis).lineupRaiseGeneration(authKeys.generation(userId), generation, ttlSeconds);
}
