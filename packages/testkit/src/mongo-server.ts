// A Mongo-wire server for tests: MONGO_URL if set, else a private mongod, else a private FerretDB on SQLite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, MissingBinaryError } from "./binaries";
import { freePort, waitForPort } from "./ports";
import { track, untrackDir } from "./process-registry";
import { type SerializingProxy, startSerializingProxy } from "./serializing-proxy";

export type MongoKind = "external" | "mongod" | "ferretdb";

export type MongoServer = {
  url: string;
  kind: MongoKind;
  /** Stops and starts the server on the same port and data (not possible for an external one). */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
};

export const FERRETDB_INSTALL = "bash scripts/setup.sh (builds FerretDB 1.24.2 from its Go module)";

/** With `dir` the data is kept there (the dev run); else it lives in a temp dir removed after. */
export async function startMongo(
  externalUrl?: string,
  options: { dir?: string; port?: number } = {},
): Promise<MongoServer> {
  if (externalUrl) {
    const noop = async () => {};
    return { url: externalUrl, kind: "external", stop: noop, start: noop, dispose: noop };
  }
  const mongod = findBinary("mongod");
  const ferretdb = findBinary("ferretdb");
  if (!mongod && !ferretdb) throw new MissingBinaryError("A Mongo-wire server (mongod or ferretdb)", FERRETDB_INSTALL);

  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "lineup-mongo-"));
  const temporary = !options.dir;
  const port = options.port ?? (await freePort());
  const argv = mongod
    ? [mongod, "--dbpath", dir, "--port", String(port), "--bind_ip", "127.0.0.1", "--quiet"]
    : [
        ferretdb as string,
        "--handler=sqlite",
        `--sqlite-url=file:${dir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        // Its debug HTTP server defaults to a fixed port, which two test runs would fight over.
        `--debug-addr=127.0.0.1:${await freePort()}`,
        "--state-dir=-",
        "--telemetry=disable",
        "--log-level=warn",
        "--log-format=text",
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
  // FerretDB needs its commands one at a time to keep single-document writes atomic (see serializing-proxy.ts).
  const proxy: SerializingProxy | undefined = mongod ? undefined : await startSerializingProxy(port);
  return {
    url: `mongodb://127.0.0.1:${proxy?.port ?? port}/`,
    kind: mongod ? "mongod" : "ferretdb",
    stop,
    start,
    async dispose() {
      await proxy?.close();
      await stop("SIGTERM");
      if (!temporary) return;
      rmSync(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
}
