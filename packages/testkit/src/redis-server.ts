// A private redis-server for tests: its own temp dir and free port, AOF on (everysec), never a shared one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { requireBinary } from "./binaries";
import { freePort } from "./ports";
import { track, untrackDir } from "./process-registry";

/** How every test Redis runs: loopback only, AOF fsynced each second (as production), no RDB, never evicting. */
export const redisServerArgs = (port: number, dir: string) =>
  // biome-ignore format: one flag and its value per pair
  [
    "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction",
  ];

export type RedisServer = {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL (or SIGTERM) the server; data survives in the AOF for restart(). */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  /** Starts it again on the same port and dir, replaying the AOF. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT, to simulate a hung server. */
  pause(): void;
  resume(): void;
  dispose(): Promise<void>;
};

/** Starts redis-server; with `dir` the data is kept there (the dev run), else in a temp dir removed after. */
export async function startRedis(options: { dir?: string; port?: number } = {}): Promise<RedisServer> {
  const bin = requireBinary("redis-server", "apt-get install -y redis-server");
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "lineup-redis-"));
  const temporary = !options.dir;
  const port = options.port ?? (await freePort());
  let proc: ReturnType<typeof Bun.spawn> | undefined;

  const launch = async () => {
    proc = Bun.spawn([bin, ...redisServerArgs(port, dir), "--protected-mode", "yes", "--loglevel", "warning"], {
      stdout: "ignore",
      stderr: "pipe",
    });
    track(proc, temporary ? dir : undefined);
    await waitForPong(port, () => proc?.exitCode === null);
  };
  await launch();

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop(signal = "SIGKILL") {
      if (!proc || proc.exitCode !== null) return;
      proc.kill(signal);
      await proc.exited;
    },
    async restart() {
      await server.stop();
      await launch();
    },
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    async dispose() {
      server.resume();
      await server.stop("SIGTERM");
      if (!temporary) return;
      rmSync(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
  return server;
}

async function waitForPong(port: number, alive: () => boolean, timeoutMs = 15_000): Promise<void> {
  const client = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  const deadline = performance.now() + timeoutMs;
  try {
    while (performance.now() < deadline) {
      if (!alive()) throw new Error(`redis-server on port ${port} exited during start`);
      try {
        if (client.status !== "ready") await client.connect();
        if ((await client.ping()) === "PONG") return;
      } catch {
        // Still starting (connection refused, or LOADING the AOF).
        client.disconnect();
      }
      await Bun.sleep(25);
    }
    throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
  } finally {
    client.disconnect();
  }
}
