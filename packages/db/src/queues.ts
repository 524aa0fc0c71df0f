// Queues repository: the state an operator sets on a queue (paused), kept in MongoDB so it survives anything Redis
// loses; Redis holds the copy the workers' scripts read.
import type { Db } from "mongodb";

export type QueueDoc = {
  _id: string;
  paused?: boolean;
  changedAt?: Date;
  changedBy?: string;
  /** The QUEUE_PARTITIONS its jobs were queued under (absent: 1, as before partitions existed). */
  partitions?: number;
};

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

export class PartitionsChangedError extends Error {
  constructor(queue: string, partitions: number, recorded: number, jobs: number) {
    super(
      `QUEUE_PARTITIONS=${partitions}, but queue ${queue} holds ${jobs} queued or running jobs under ${recorded} ` +
        `partition(s): a new count would move lines to other partitions, where their next jobs could overtake the ` +
        `ones waiting. Start with QUEUE_PARTITIONS=${recorded}; to change it, stop the apis, let the workers finish every ` +
        `job, then stop the workers and start everything with the new count.`,
    );
    this.name = "PartitionsChangedError";
  }
}

/**
 * Records the queue's partition count, or refuses a change while the queue holds jobs (PartitionsChangedError): a
 * line's jobs must all live in one partition, and a new count would put its next jobs in another.
 */
export async function claimPartitions(db: Db, queue: string, partitions: number): Promise<void> {
  const recorded = (await findQueueState(db, queue))?.partitions ?? 1;
  if (recorded !== partitions) {
    const jobs = await db.collection("jobs").countDocuments({ queue, status: { $in: ["queued", "running"] } });
    if (jobs > 0) throw new PartitionsChangedError(queue, partitions, recorded, jobs);
  }
  await queuesCollection(db).updateOne({ _id: queue }, { $set: { partitions } }, { upsert: true });
}
