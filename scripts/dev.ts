// `bun run dev`: the local run. Without MONGO_URL / REDIS_URL it starts a private redis-server and a
// Mongo-wire server (mongod, else FerretDB) with data under .data/, then the api and worker in watch mode.
// Ctrl-C stops everything it started.
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { freePort, MissingBinaryError, REPO_ROOT, startMongo, startRedis } from "@lineup/testkit";

const env = process.env;
const dataDir = join(REPO_ROOT, ".data");
const stops: (() => Promise<void>)[] = [];

async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const s = createServer()
      .once("error", () => resolve(false))
      .listen(preferred, "127.0.0.1", () => s.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

try {
  let redisUrl = env.REDIS_URL;
  if (!redisUrl) {
    mkdirSync(join(dataDir, "redis"), { recursive: true });
    const redis = await startRedis({ dir: join(dataDir, "redis"), port: await portOr(6379) });
    stops.push(() => redis.dispose());
    redisUrl = redis.url;
  }
  let mongoUrl = env.MONGO_URL;
  if (!mongoUrl) {
    mkdirSync(join(dataDir, "mongo"), { recursive: true });
    const mongo = await startMongo(undefined, { dir: join(dataDir, "mongo"), port: await portOr(27017) });
    stops.push(() => mongo.dispose());
    mongoUrl = mongo.url;
  }

  const appEnv = { ...env, MONGO_URL: mongoUrl, REDIS_URL: redisUrl };
  const port = env.PORT ?? "3000";
  const apps = [
    Bun.spawn(["bun", "--watch", "apps/api/src/index.ts"], {
      cwd: REPO_ROOT,
      env: appEnv,
      stdout: "inherit",
      stderr: "inherit",
    }),
    Bun.spawn(["bun", "--watch", "apps/worker/src/index.ts"], {
      cwd: REPO_ROOT,
      env: appEnv,
      stdout: "inherit",
      stderr: "inherit",
    }),
  ];
  stops.unshift(async () => {
    for (const app of apps) app.kill("SIGTERM");
    await Promise.all(apps.map((a) => a.exited));
  });

  console.log(
    [
      "",
      `  Lineup dev run (data in ${env.MONGO_URL && env.REDIS_URL ? "your servers" : ".data/"})`,
      `  API      http://localhost:${port}`,
      `  Docs     http://localhost:${port}/docs`,
      `  MongoDB  ${mongoUrl}`,
      `  Redis    ${redisUrl}`,
      "  Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      for (const stop of stops) await stop().catch(() => {});
      process.exit(0);
    });
  }
} catch (err) {
  for (const stop of stops) await stop().catch(() => {});
  if (err instanceof MissingBinaryError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
