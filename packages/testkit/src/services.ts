// The servers one `bun test` run shares: started lazily on first use, killed when the run ends.
// Files stay apart by namespace (own database, own queue name), not by server.

import Redis from "ioredis";
import { type Db, MongoClient } from "mongodb";
import { type MongoOptions, type MongoServer, startMongo } from "./mongo-server";
import { type RedisCluster, startRedisCluster } from "./redis-cluster";
import { type RedisServer, startRedis } from "./redis-server";

export type Services = { redis: RedisServer; mongo: MongoServer };

/** Partitions of a queue when tests run against the Redis Cluster (LINEUP_TEST_CLUSTER=1). */
export const CLUSTER_PARTITIONS = 8;

const CLUSTER_KEY = Symbol.for("lineup.testkit.cluster");
type ClusterHolder = { [CLUSTER_KEY]?: Promise<RedisCluster> };

/** One Redis Cluster (3 masters + 3 replicas) per run, started on first use. */
export function sharedCluster(): Promise<RedisCluster> {
  const holder = globalThis as ClusterHolder;
  holder[CLUSTER_KEY] ??= startRedisCluster();
  return holder[CLUSTER_KEY];
}

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
    /** A client of this context's Redis: one server, or the cluster (then keys of any partition work). */
    redisClient: Redis;
    /** The cluster, when this context runs against one (LINEUP_TEST_CLUSTER=1, or `cluster: true`). */
    cluster?: RedisCluster;
    /** Environment for a spawned api or worker pointed at this context. */
    env: Record<string, string>;
    cleanup(): Promise<void>;
  };

/**
 * Servers plus a private database and queue name for one test file; call cleanup() in afterAll.
 * `ownMongo` gives the context a Mongo-wire server of its own (for tests that stop and start it), never MONGO_URL;
 * `ownRedis` a redis-server of its own (for tests that kill and restart it; ignored on a cluster).
 * `cluster` (or LINEUP_TEST_CLUSTER=1 in the environment) points it at a Redis Cluster, with the queue split into
 * CLUSTER_PARTITIONS partitions.
 */
export async function createTestContext(
  label?: string,
  options: { ownMongo?: MongoOptions; ownRedis?: boolean; cluster?: boolean } = {},
): Promise<TestContext> {
  const shared = await sharedServices();
  const cluster = (options.cluster ?? process.env.LINEUP_TEST_CLUSTER === "1") ? await sharedCluster() : undefined;
  const own = options.ownMongo ? await startMongo(undefined, options.ownMongo) : undefined;
  const ownRedis = options.ownRedis && !cluster ? await startRedis() : undefined;
  const services = { redis: cluster ?? ownRedis ?? shared.redis, mongo: own ?? shared.mongo };
  const ns = namespace(label);
  const client = new MongoClient(services.mongo.url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const redisClient = cluster
    ? (new Redis.Cluster(cluster.ports.map((port) => ({ host: "127.0.0.1", port }))) as unknown as Redis)
    : new Redis(services.redis.url, { maxRetriesPerRequest: 1 });
  return {
    ...services,
    ...ns,
    cluster,
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
      ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodesUrl, QUEUE_PARTITIONS: String(CLUSTER_PARTITIONS) } : {}),
    },
    async cleanup() {
      await client
        .db(ns.dbName)
        .dropDatabase()
        .catch(() => {});
      await client.close();
      await own?.dispose();
      await ownRedis?.dispose();
      if (ownRedis) return redisClient.disconnect();
      await deleteKeys(redisClient, `lineup:{${ns.queueName}*`).catch(() => {});
      redisClient.disconnect();
    },
  };
}

/** Deletes the keys matching a pattern on every master (one server, or each of a cluster's). */
async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  const cluster = redis as unknown as { isCluster?: boolean; nodes?: (role: "master") => Redis[] };
  const servers = cluster.isCluster && cluster.nodes ? cluster.nodes("master") : [redis];
  for (const server of servers) {
    let cursor = "0";
    do {
      const [next, keys] = await server.scan(cursor, "MATCH", pattern, "COUNT", 500);
      // One UNLINK per key: in a cluster the keys of one batch may live in different slots.
      for (const key of keys) await server.unlink(key);
      cursor = next;
    } while (cursor !== "0");
  }
}
