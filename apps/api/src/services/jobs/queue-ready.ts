// Gates submissions on Redis: connected, and its seq counters raised to MongoDB's highest seqs after every
// (re)connection and every change of a cluster's masters, since a Redis that restarted (AOF everysec) or a replica
// promoted in a failover (replication is asynchronous) may have lost its last writes.
import { type Db, maxSeq } from "@lineup/db";
import { onRedisChanged, type Queue } from "@lineup/queue";
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
      await deps.queue.raiseSeqFloors((p) => maxSeq(deps.db, deps.queue.name, deps.queue.partitions, p));
    })();
    gate = attempt;
    attempt.catch(() => {
      if (gate === attempt) gate = null;
    });
    return attempt;
  };
  onRedisChanged(deps.redis, () => {
    raiseFloor().catch(() => {});
  });
  return async () => {
    if (deps.redis.status !== "ready") throw new QueueNotReadyError();
    await (gate ?? raiseFloor());
  };
}
