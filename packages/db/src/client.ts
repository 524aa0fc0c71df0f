// Connects to MongoDB with timeouts short enough that a down server surfaces as an error, not a hang.
import { type Db, MongoClient } from "mongodb";

export type Mongo = { client: MongoClient; db: Db };

export type MongoOptions = {
  appName?: string;
  /** "majority" (the default) or a number of replica-set members that must have a write before it counts. */
  writeConcern?: "majority" | number;
  /**
   * How long a connection may go without an answer, and how long finding a server may take, before the operation
   * fails: a server that hangs then costs a caller about twice this (a write is retried once), not for ever. For a
   * process that answers requests; a worker, whose reads can walk a whole queue, waits out a slow server instead.
   * (The driver's own timeoutMS does not cut an operation in flight short under Bun, so sockets are what is bounded.)
   */
  hangTimeoutMs?: number;
};

/**
 * Connects for a single server, a replica set (list the members, or use mongodb+srv://) or a sharded cluster's
 * mongos alike: writes are retried once across a failover (retryWrites), acknowledged by `writeConcern` members, and
 * reads go to the primary, so a fenced update never reads stale state.
 */
export async function connectMongo(url: string, dbName: string, options: MongoOptions = {}): Promise<Mongo> {
  const client = new MongoClient(url, {
    appName: options.appName ?? "lineup",
    serverSelectionTimeoutMS: options.hangTimeoutMs ?? 5_000,
    connectTimeoutMS: options.hangTimeoutMs ?? 5_000,
    ...(options.hangTimeoutMs
      ? { socketTimeoutMS: options.hangTimeoutMs, waitQueueTimeoutMS: options.hangTimeoutMs }
      : {}),
    retryWrites: true,
    retryReads: true,
    readPreference: "primary",
    writeConcern: { w: options.writeConcern ?? "majority" },
  });
  await client.connect();
  return { client, db: client.db(dbName) };
}

export async function pingMongo(db: Db): Promise<void> {
  await db.command({ ping: 1 });
}

/** Connects, retrying with backoff while MongoDB is not reachable yet (containers start in any order). */
export async function connectMongoWithRetry(
  url: string,
  dbName: string,
  options: MongoOptions & { onRetry?: (attempt: number, error: Error) => void } = {},
): Promise<Mongo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectMongo(url, dbName, options);
    } catch (err) {
      options.onRetry?.(attempt, err as Error);
      await Bun.sleep(Math.min(attempt * 500, 5_000));
    }
  }
}
