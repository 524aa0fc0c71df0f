// `bun run dev` end to end: fresh data dir, a job over HTTP, Ctrl-C, and nothing left running.
import { afterAll, expect, it } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, REPO_ROOT } from "@lineup/testkit";

const dataDir = mkdtempSync(join(tmpdir(), "lineup-dev-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(100);
  }
}

const listening = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );

it("runs a job end to end and leaves no process behind after Ctrl-C", async () => {
  const [port, workerPort] = [await freePort(), await freePort()];
  const { MONGO_URL: _m, REDIS_URL: _r, ...inherited } = process.env;
  // Its own process group, so SIGINT reaches the whole tree the way Ctrl-C in a terminal does.
  const dev = spawn("bun", ["run", "dev"], {
    cwd: REPO_ROOT,
    detached: true,
    env: {
      ...inherited,
      LINEUP_DEV_DATA_DIR: dataDir,
      PORT: String(port),
      WORKER_METRICS_PORT: String(workerPort),
      BCRYPT_COST: "4",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => dev.on("exit", (code) => resolve(code)));
  try {
    const api = `http://127.0.0.1:${port}`;
    await until(async () => ((await fetch(`${api}/readyz`)).ok ? true : undefined), 60_000);
    expect(output).toContain(`http://localhost:${port}/docs`);
    expect(output).toContain(`http://localhost:${workerPort}/metrics`);

    const json = { "content-type": "application/json" };
    const creds = JSON.stringify({ email: "dev@example.com", password: "dev-password" });
    expect((await fetch(`${api}/v1/auth/register`, { method: "POST", headers: json, body: creds })).status).toBe(201);
    const login = (await (
      await fetch(`${api}/v1/auth/login`, { method: "POST", headers: json, body: creds })
    ).json()) as {
      accessToken: string;
    };
    const auth = { ...json, authorization: `Bearer ${login.accessToken}` };
    const body = JSON.stringify({ type: "echo", payload: { from: "dev" } });
    const job = (await (await fetch(`${api}/v1/jobs`, { method: "POST", headers: auth, body })).json()) as {
      id: string;
    };
    const done = await until(async () => {
      const j = (await (await fetch(`${api}/v1/jobs/${job.id}`, { headers: auth })).json()) as {
        status: string;
        result: unknown;
      };
      return j.status === "succeeded" ? j : undefined;
    }, 30_000);
    expect(done.result).toEqual({ from: "dev" });
  } finally {
    process.kill(-(dev.pid as number), "SIGINT");
  }
  expect(await exited).toBe(0);
  await Bun.sleep(300);
  expect(await listening(port)).toBe(false);
  expect(await listening(workerPort)).toBe(false);
  const leftovers = Bun.spawnSync(["pgrep", "-f", dataDir]).stdout.toString().trim();
  expect(leftovers).toBe("");
}, 120_000);
