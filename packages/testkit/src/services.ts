// The servers one `bun test` run shares: started lazily on first use, killed when the run ends.
// Files stay apart by namespace (own database, own queue name), not by server.

import Redis from "ioredis";
import { type Db, MongoClient } from "mongodb";
import { type MongoOptions, type MongoServer, startMongo } from "./mongo-server";
import { type RedisServer, startRedis } from "./redis-server";

export type Services = { redis: RedisServer; mongo: MongoServer };

const KEY = Symbol.for("lineup.testkit.services");
type Holder = { [KEY]?: Promise<Services> };

export function sharedServices(): Promise<Services> {
  const holder = globalThis as Holder;
  holder[KEY] ??= (async () => {
    // The test kit, not the app, decides where tests find MongoDB; the app reads config only.
    // A TTL pass every second, so retention tests need not wait MongoDB's usual minute.
    const [redis, mongo] = await Promise.all([
      startRedis(),
      startMongo(process.env.MONGO_URL, { ttlMonitorSeconds: 1 }),
    ]);
    return { redis, mongo };
  })();
  return holder[KEY];
}

export type Namespace = {
  /** A database name and a queue name no other test file uses. */
  dbName: string;
  queueName: string;
};

export function namespace(label = "t"): Namespace {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const safe = label.replace(/[^a-z0-9]/gi, "").slice(0, 20) || "t";
  return { dbName: `lineup_${safe}_${id}`, queueName: `${safe}-${id}` };
}

export type TestContext = Namespace &
  Services & {
    mongoUrl: string;
    redisUrl: string;
    client: MongoClient;
    db: Db;
    redisClient: Redis;
    /** Environment for a spawned api or worker pointed at this context. */
    env: Record<string, string>;
    cleanup(): Promise<void>;
  };

/**
 * Servers plus a private database and queue name for one test file; call cleanup() in afterAll.
 * `ownMongo` gives the context a Mongo-wire server of its own (for tests that stop and start it), never MONGO_URL.
 */
export async function createTestContext(
  label?: string,
  options: { ownMongo?: MongoOptions } = {},
): Promise<TestContext> {
  const shared = await sharedServices();
  const own = options.ownMongo ? await startMongo(undefined, options.ownMongo) : undefined;
  const services = { ...shared, mongo: own ?? shared.mongo };
  const ns = namespace(label);
  const client = new MongoClient(services.mongo.url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const redisClient = new Redis(services.redis.url, { maxRetriesPerRequest: 1 });
  return {
    ...services,
    ...ns,
    mongoUrl: services.mongo.url,
    redisUrl: services.redis.url,
    client,
    db: client.db(ns.dbName),
    redisClient,
    env: {
      MONGO_URL: services.mongo.url,
      MONGO_DB: ns.dbName,
      REDIS_URL: services.redis.url,
      QUEUE_NAME: ns.queueName,
    },
    async cleanup() {
      await client
        .db(ns.dbName)
        .dropDatabase()
        .catch(() => {});
      await client.close();
      await own?.dispose();
      await deleteKeys(redisClient, `lineup:{${ns.queueName}}:*`).catch(() => {});
      redisClient.disconnect();
    },
  };
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}
