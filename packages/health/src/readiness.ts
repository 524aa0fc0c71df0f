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
  const answered = await within(
    probe().then(
      () => true,
      () => false,
    ),
    timeoutMs,
  );
  return answered ? "ok" : "down";
}

/** The work's value, or undefined when it fails or takes longer than timeoutMs (it is not cut short). */
export async function within<T>(work: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
