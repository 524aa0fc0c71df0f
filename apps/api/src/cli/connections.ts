// The admin command's connections to the api's MongoDB and Redis, opened for one command and closed after it. Unlike
// the api's they do not wait for a server that is away: an operator at a prompt wants an answer within seconds.
import type { Config } from "@lineup/config";
import { connectMongo, type Mongo } from "@lineup/db";
import { connectRedis } from "@lineup/queue";
import type Redis from "ioredis";

export function openMongo(config: Config): Promise<Mongo> {
  // A MongoDB that is away, or that hangs, fails the command within seconds.
  return connectMongo(config.mongoUrl, config.mongoDb, {
    appName: "lineup-admin",
    writeConcern: config.mongoWriteConcern,
    hangTimeoutMs: 5_000,
  });
}

export function openRedis(config: Config): Redis {
  const redis = connectRedis(
    { url: config.redisUrl, clusterNodes: config.redisClusterNodes },
    {
      // A few quick tries, then commands fail: the command reports it and says how to finish the change.
      retryStrategy: (attempt) => (attempt > 3 ? null : attempt * 200),
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
      commandTimeout: 5_000,
      // Named, so CLIENT LIST tells an operator whose connection it is.
      connectionName: "lineup-admin",
    },
  );
  // Failures surface through the command that needed Redis; the connection's own events would only repeat them.
  redis.on("error", () => {});
  return redis;
}
