// Connects to MongoDB with timeouts short enough that a down server surfaces as an error, not a hang.
import { type Db, MongoClient } from "mongodb";

export type Mongo = { client: MongoClient; db: Db };

export type MongoOptions = {
  appName?: string;
  /** "majority" (the default) or a number of replica-set members that must have a write before it counts. */
  writeConcern?: "majority" | number;
  /**
   * The longest one operation through `db` may take, retries and server selection included (the driver's timeoutMS):
   * a server that hangs then costs a caller this long, not for ever. For a process that answers requests; a worker,
   * whose reads can walk a whole queue, leaves it unset.
   */
  operationTimeoutMs?: number;
};

/**
 * Connects for a single server, a replica set (list the members, or use mongodb+srv://) or a sharded cluster's
 * mongos alike: writes are retried once across a failover (retryWrites), acknowledged by `writeConcern` members, and
 * reads go to the primary, so a fenced update never reads stale state.
 */
export async function connectMongo(url: string, dbName: string, options: MongoOptions = {}): Promise<Mongo> {
  const client = new MongoClient(url, {
    appName: options.appName ?? "lineup",
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    retryWrites: true,
    retryReads: true,
    readPreference: "primary",
    writeConcern: { w: options.writeConcern ?? "majority" },
  });
  await client.connect();
  // On the database handle, not the client: the client's own db(name) still runs what must not be cut short (index
  // builds at start).
  const timeout = options.operationTimeoutMs ? { timeoutMS: options.operationTimeoutMs } : {};
  return { client, db: client.db(dbName, timeout) };
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
