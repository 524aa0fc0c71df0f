// A per-user bound on what a user holds open across every api process (long-polls, event streams): slots in Redis,
// each with a lease that its holder renews while it lasts, so a process that dies gives its slots back when their
// leases run out. One Redis command to take a slot, one to give it back.
import type Redis from "ioredis";
import { slotKeys } from "./keys";
import { defineScripts } from "./scripts";

export type UserSlots = {
  /** A slot's token, or null when the user holds `limit` already. */
  take(userId: string): Promise<string | null>;
  /** Keeps a slot held for another lease (a stream does it on its heartbeat). */
  renew(userId: string, token: string): Promise<void>;
  release(userId: string, token: string): Promise<void>;
};

export function createUserSlots(
  redis: Redis,
  queue: string,
  kind: "waits" | "streams",
  options: { limit: number; leaseMs: number },
): UserSlots {
  const r = defineScripts(redis);
  const keyOf = (userId: string) => slotKeys.held(queue, kind, userId);
  let counter = 0;
  // Unique across processes: a random prefix per process, a counter within it.
  const prefix = crypto.randomUUID().slice(0, 8);
  return {
    async take(userId) {
      const token = `${prefix}:${++counter}`;
      const taken = await r.lineupTakeSlot(keyOf(userId), Date.now(), options.leaseMs, options.limit, token);
      return taken === 1 ? token : null;
    },
    async renew(userId, token) {
      const ends = Date.now() + options.leaseMs;
      await redis.zadd(keyOf(userId), "XX", ends, token);
      await redis.pexpireat(keyOf(userId), ends);
    },
    async release(userId, token) {
      await redis.zrem(keyOf(userId), token);
    },
  };
}
