// Queues repository: the state an operator sets on a queue (paused), kept in MongoDB so it survives anything Redis
// loses; Redis holds the copy the workers' scripts read.
import type { Db } from "mongodb";

export type QueueDoc = { _id: string; paused: boolean; changedAt: Date; changedBy: string };

export const queuesCollection = (db: Db) => db.collection<QueueDoc>("queues");

export async function findQueueState(db: Db, queue: string): Promise<QueueDoc | null> {
  return queuesCollection(db).findOne({ _id: queue });
}

export async function setQueuePaused(db: Db, params: { queue: string; paused: boolean; by: string; now: Date }) {
  await queuesCollection(db).updateOne(
    { _id: params.queue },
    { $set: { paused: params.paused, changedAt: params.now, changedBy: params.by } },
    { upsert: true },
  );
}
