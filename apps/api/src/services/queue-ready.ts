// Gates submissions on Redis: connected, and its seq counter raised to MongoDB's highest seq after
// every (re)connection, since a Redis that restarted may have lost its last writes (AOF everysec).
import { type Db, maxSeq } from "@lineup/db";
import type { Queue } from "@lineup/queue";
import type Redis from "ioredis";

export class QueueNotReadyError extends Error {
  constructor() {
    super("redis is not connected");
    this.name = "QueueNotReadyError";
  }
}

export function createQueueReady(deps: { redis: Redis; queue: Queue; db: Db }): () => Promise<void> {
  let gate: Promise<void> | null = null;
  const raiseFloor = (): Promise<void> => {
    const attempt = (async () => {
      await deps.queue.raiseSeqFloor(await maxSeq(deps.db, deps.queue.name));
    })();
    gate = attempt;
    attempt.catch(() => {
      if (gate === attempt) gate = null;
    });
    return attempt;
  };
  deps.redis.on("ready", () => {
    raiseFloor().catch(() => {});
  });
  return async () => {
    if (deps.redis.status !== "ready") throw new QueueNotReadyError();
    await (gate ?? raiseFloor());
  };
}
