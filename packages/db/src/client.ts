// Connects to MongoDB with timeouts short enough that a down server surfaces as an error, not a hang.
import { type Db, MongoClient } from "mongodb";

export type Mongo = { client: MongoClient; db: Db };

export async function connectMongo(url: string, dbName: string, appName = "lineup"): Promise<Mongo> {
  const client = new MongoClient(url, {
    appName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
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
  options: { appName?: string; onRetry?: (attempt: number, error: Error) => void } = {},
): Promise<Mongo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectMongo(url, dbName, options.appName);
    } catch (err) {
      options.onRetry?.(attempt, err as Error);
      await Bun.sleep(Math.min(attempt * 500, 5_000));
    }
  }
}
