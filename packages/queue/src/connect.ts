// Connects to Redis: one server (REDIS_URL), or a Redis Cluster (REDIS_CLUSTER_NODES) through ioredis's Cluster
// client. Both are used through the same command interface; every key Lineup touches in one command or script shares
// a hash tag, so a cluster serves them from one slot.
import Redis, { type RedisOptions } from "ioredis";

export type RedisTarget = { url: string; clusterNodes: readonly string[] };

/** The options a process gives its connection; for a cluster they apply to each node's connection. */
export type ConnectOptions = RedisOptions & { connectionName?: string };

export function connectRedis(target: RedisTarget, options: ConnectOptions = {}): Redis {
  if (!target.clusterNodes.length) return new Redis(target.url, options);
  const nodes = target.clusterNodes.map((node) => new URL(node));
  const first = nodes[0] as URL;
  const { enableOfflineQueue, retryStrategy, ...nodeOptions } = options;
  const cluster = new Redis.Cluster(
    nodes.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
    {
      enableOfflineQueue,
      clusterRetryStrategy: retryStrategy ? (attempt) => retryStrategy(attempt) ?? null : undefined,
      // A failover moves slots to a replica within seconds: retry through it rather than fail at once.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2_000,
      scaleReads: "master",
      redisOptions: {
        ...nodeOptions,
        ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
        ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
        ...(first.protocol === "rediss:" ? { tls: {} } : {}),
      },
    },
  );
  // The Cluster client answers the same commands; Lineup's callers need no other type.
  return cluster as unknown as Redis;
}

/** Resolves once the connection is ready for commands (at start, before a process relies on it). */
export async function untilReady(redis: Redis): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
}

/**
 * Calls `onChange` whenever the Redis behind a connection may have changed and may have lost writes: a server that
 * reconnected (it may have restarted) or a cluster whose masters changed (a failover promotes a replica that may lack
 * the last writes it acknowledged).
 */
export function onRedisChanged(redis: Redis, onChange: () => void): void {
  redis.on("ready", onChange);
  redis.on("+node", onChange);
  redis.on("-node", onChange);
}
