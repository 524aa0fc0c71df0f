// A Mongo-wire server for tests and the dev run: MONGO_URL if set, else a private mongod, else a private
// lineup-mongo (mongo-java-server, which scripts/setup.sh installs). The stand-in is not MongoDB: it is atomic per
// document and speaks the wire protocol the driver needs, which is what Lineup's tests rely on.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, MissingBinaryError } from "./binaries";
import { freePort, waitForPort } from "./ports";
import { track, untrackDir } from "./process-registry";

export type MongoKind = "external" | "mongod" | "stand-in";

export type MongoServer = {
  url: string;
  kind: MongoKind;
  /** Stops and starts the server on the same port (not possible for an external one). */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT, a server that hangs: connections stay open and nothing answers (not for an external one). */
  pause(): void;
  resume(): void;
  dispose(): Promise<void>;
};

export const STANDIN_INSTALL = "bash scripts/setup.sh (installs lineup-mongo: mongo-java-server from Maven Central)";

export type MongoOptions = {
  /** Where the data and the server's log live; a temp dir (removed after) when absent. */
  dir?: string;
  port?: number;
  /** Keep the data across a stop and start. mongod always does; the stand-in then uses its (slower) H2 backend. */
  durable?: boolean;
  /** How often the stand-in removes expired documents of TTL indexes (MongoDB's monitor: 60 s). */
  ttlMonitorSeconds?: number;
};

export async function startMongo(externalUrl?: string, options: MongoOptions = {}): Promise<MongoServer> {
  if (externalUrl) {
    const noop = async () => {};
    return { url: externalUrl, kind: "external", stop: noop, start: noop, pause: noop, resume: noop, dispose: noop };
  }
  const mongod = findBinary("mongod");
  const standIn = findBinary("lineup-mongo");
  if (!mongod && !standIn)
    throw new MissingBinaryError("A Mongo-wire server (mongod or lineup-mongo)", STANDIN_INSTALL);

  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "lineup-mongo-"));
  const temporary = !options.dir;
  const port = options.port ?? (await freePort());
  const argv = mongod
    ? [mongod, "--dbpath", dir, "--port", String(port), "--bind_ip", "127.0.0.1", "--quiet"]
    : [
        standIn as string,
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        ...(options.durable ? ["--data", join(dir, "lineup.mv")] : []),
        ...(options.ttlMonitorSeconds ? ["--ttl-monitor-seconds", String(options.ttlMonitorSeconds)] : []),
      ];
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    // Kept beside the data, so a server that died can be asked why.
    const logFile = Bun.file(join(dir, "server.log"));
    proc = Bun.spawn(argv, { stdout: logFile, stderr: logFile });
    track(proc, temporary ? dir : undefined);
    await waitForPort(port, 20_000, () => proc?.exitCode === null);
  };
  const stop = async (signal: "SIGKILL" | "SIGTERM" = "SIGKILL") => {
    if (!proc || proc.exitCode !== null) return;
    proc.kill(signal);
    await proc.exited;
  };
  await start();
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    kind: mongod ? "mongod" : "stand-in",
    stop,
    start,
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    async dispose() {
      proc?.kill("SIGCONT");
      await stop("SIGTERM");
      if (!temporary) return;
      rmSync(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
}
