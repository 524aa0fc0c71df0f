// Readiness: whether MongoDB and Redis each answer within a bounded time.
import { type Db, pingMongo } from "@lineup/db";
import type Redis from "ioredis";

export type Check = "ok" | "down";
export type Readiness = { mongo: Check; redis: Check };

export async function checkReadiness(deps: { db: Db; redis: Redis; timeoutMs: number }): Promise<Readiness> {
  const [mongo, redis] = await Promise.all([
    answers(() => pingMongo(deps.db), deps.timeoutMs),
    answers(() => deps.redis.ping(), deps.timeoutMs),
  ]);
  return { mongo, redis };
}

async function answers(probe: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve("down"), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().then(
        (): Check => "ok",
        (): Check => "down",
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
