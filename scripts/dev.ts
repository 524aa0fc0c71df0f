// `bun run dev`: the local run. Without MONGO_URL / REDIS_URL it starts a private redis-server and a
// Mongo-wire server (mongod, else the lineup-mongo stand-in) with data under .data/ (LINEUP_DEV_DATA_DIR to move it), on
// 6379 and 27017 when free (LINEUP_DEV_REDIS_PORT and LINEUP_DEV_MONGO_PORT choose others), then the api and worker in
// watch mode. Sign-ups are not rate limited as in production (a developer makes many test users). The api's JWT secret is kept in the data dir (JWT_SECRET overrides it), so a save
// that restarts the api logs nobody out; logs are human-readable (LOG_FORMAT overrides it). Ctrl-C stops everything
// it started. A missing server binary gets one line saying how to install it.
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { freePort, MissingBinaryError, REPO_ROOT, startMongo, startRedis } from "@lineup/testkit";
import { keptJwtSecret, SECRET_FILE } from "./dev-secret";

// A dev tool, like the test kit, so it may look at the environment; the apps still parse it through @lineup/config.
const env = process.env;
const dataDir = resolve(env.LINEUP_DEV_DATA_DIR ?? join(REPO_ROOT, ".data"));
const stops: (() => Promise<void>)[] = [];
// Settled before any server starts: a kept secret that cannot be used stops the run with nothing to clean up.
const secretGiven = Boolean(env.JWT_SECRET?.trim());
const jwtSecret = secretGiven ? (env.JWT_SECRET as string) : keptJwtSecret(dataDir);

/** The port asked for; else the usual one when it is free, so other tools find the server; any free port otherwise. */
async function portOr(asked: string | undefined, preferred: number): Promise<number> {
  if (asked?.trim()) return Number(asked);
  const free = await new Promise<boolean>((done) => {
    const s = createServer()
      .once("error", () => done(false))
      .listen(preferred, "127.0.0.1", () => s.close(() => done(true)));
  });
  return free ? preferred : freePort();
}

async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0)) await stop().catch(() => {});
}

try {
  let redisUrl = env.REDIS_URL;
  if (!redisUrl) {
    mkdirSync(join(dataDir, "redis"), { recursive: true });
    const redis = await startRedis({
      dir: join(dataDir, "redis"),
      port: await portOr(env.LINEUP_DEV_REDIS_PORT, 6379),
    });
    stops.push(() => redis.dispose());
    redisUrl = redis.url;
  }
  let mongoUrl = env.MONGO_URL;
  if (!mongoUrl) {
    mkdirSync(join(dataDir, "mongo"), { recursive: true });
    const mongo = await startMongo(undefined, {
      dir: join(dataDir, "mongo"),
      port: await portOr(env.LINEUP_DEV_MONGO_PORT, 27017),
      durable: true,
    });
    stops.push(() => mongo.dispose());
    mongoUrl = mongo.url;
  }

  const port = env.PORT ?? "3000";
  const workerPort = env.WORKER_METRICS_PORT ?? "9100";
  const appEnv = {
    ...env,
    HOST: env.HOST ?? "127.0.0.1",
    PORT: port,
    WORKER_METRICS_PORT: workerPort,
    MONGO_URL: mongoUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: jwtSecret,
    LOG_FORMAT: env.LOG_FORMAT?.trim() || "pretty",
    REGISTRATION_RATE_LIMIT: env.REGISTRATION_RATE_LIMIT?.trim() || "100000",
  };
  const apps = ["apps/api/src/index.ts", "apps/worker/src/index.ts"].map((entry) =>
    Bun.spawn(["bun", "--watch", entry], { cwd: REPO_ROOT, env: appEnv, stdout: "inherit", stderr: "inherit" }),
  );
  stops.unshift(async () => {
    for (const app of apps) app.kill("SIGTERM");
    await Promise.all(apps.map((a) => a.exited));
  });

  console.log(
    [
      "",
      `  Lineup dev run (data: ${env.MONGO_URL && env.REDIS_URL ? "your servers" : dataDir})`,
      `  API             http://localhost:${port}`,
      `  Docs            http://localhost:${port}/docs`,
      `  API metrics     http://localhost:${port}/metrics`,
      `  Worker metrics  http://localhost:${workerPort}/metrics`,
      `  MongoDB         ${mongoUrl}`,
      `  Redis           ${redisUrl}`,
      `  JWT secret      ${secretGiven ? "from JWT_SECRET" : `${join(dataDir, SECRET_FILE)} (kept across restarts)`}`,
      "  Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      await stopAll();
      process.exit(0);
    });
  }
} catch (err) {
  await stopAll();
  if (err instanceof MissingBinaryError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
