// `bun run dev` end to end: fresh data dir, a job over HTTP, pretty logs, Ctrl-C and nothing left running; then a
// second run on the same data dir accepts the first run's token (the kept JWT secret).
import { afterAll, expect, it } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, linesWithSecrets, REPO_ROOT } from "@lineup/testkit";
import { SECRET_FILE } from "./dev-secret";

const dataDir = mkdtempSync(join(tmpdir(), "lineup-dev-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const PASSWORD = "dev-password";
/** The first run's token, which the second run must accept. */
let firstToken = "";

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error("timed out");
    await Bun.sleep(100);
  }
}

const listening = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );

/** Runs `bun run dev` on the shared data dir until `use` is done, then Ctrl-C; checks nothing is left running. */
async function withDevRun(use: (api: string, output: () => string) => Promise<void>): Promise<void> {
  const [port, workerPort, redisPort, mongoPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dev = spawn("bun", ["run", "dev"], {
    cwd: REPO_ROOT,
    // Its own process group, so SIGINT reaches the whole tree the way Ctrl-C in a terminal does.
    detached: true,
    env: {
      ...process.env,
      // Blank rather than absent: Bun fills an absent variable from a .env in the repo (the one for compose).
      MONGO_URL: "",
      REDIS_URL: "",
      JWT_SECRET: "",
      LOG_FORMAT: "",
      LINEUP_DEV_DATA_DIR: dataDir,
      PORT: String(port),
      WORKER_METRICS_PORT: String(workerPort),
      LINEUP_DEV_REDIS_PORT: String(redisPort),
      LINEUP_DEV_MONGO_PORT: String(mongoPort),
      REGISTRATION_RATE_LIMIT: "",
      BCRYPT_COST: "4",
      LOG_LEVEL: "info",
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
    // The servers it starts listen where it was asked.
    expect(output).toContain(`redis://127.0.0.1:${redisPort}`);
    expect(output).toContain(`:${mongoPort}`);
    await use(api, () => output);
  } finally {
    process.kill(-(dev.pid as number), "SIGINT");
  }
  expect(await exited).toBe(0);
  await Bun.sleep(300);
  expect(await listening(port)).toBe(false);
  expect(await listening(workerPort)).toBe(false);
  const leftovers = Bun.spawnSync(["pgrep", "-f", dataDir]).stdout.toString().trim();
  expect(leftovers).toBe("");
}

it("runs a job end to end with human-readable logs and leaves no process behind after Ctrl-C", async () => {
  await withDevRun(async (api, output) => {
    const json = { "content-type": "application/json" };
    const creds = JSON.stringify({ email: "dev@example.com", password: PASSWORD });
    expect((await fetch(`${api}/v1/auth/register`, { method: "POST", headers: json, body: creds })).status).toBe(201);
    // A developer signs up more test users than production's limit of 10 an hour allows.
    for (let i = 0; i < 12; i++) {
      const user = JSON.stringify({ email: `dev.${i}@example.com`, password: PASSWORD });
      expect((await fetch(`${api}/v1/auth/register`, { method: "POST", headers: json, body: user })).status).toBe(201);
    }
    const login = (await (
      await fetch(`${api}/v1/auth/login`, { method: "POST", headers: json, body: creds })
    ).json()) as {
      accessToken: string;
    };
    firstToken = login.accessToken;
    const auth = { ...json, authorization: `Bearer ${firstToken}` };
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

    // The worker logs the job's end just after recording it.
    await until(async () => (/ INFO {2}worker job succeeded .*type=echo/.test(output()) ? true : undefined), 5_000);
    const lines = output().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}api api listening url=/));
    expect(lines.filter((l) => / WARN | ERROR /.test(l))).toEqual([]);
    expect(lines.filter((l) => l.startsWith("{"))).toEqual([]);
    expect(output()).not.toContain("JWT_SECRET is not set");
    const secret = (await Bun.file(join(dataDir, SECRET_FILE)).text()).trim();
    expect(linesWithSecrets(lines, [PASSWORD, firstToken, secret])).toEqual([]);
  });
  // Owner-only: the secret signs every token of the dev run.
  expect(statSync(join(dataDir, SECRET_FILE)).mode & 0o777).toBe(0o600);
}, 120_000);

it("keeps the JWT secret in the data dir: a second run accepts the first run's token", async () => {
  expect(firstToken).not.toBe("");
  await withDevRun(async (api) => {
    const me = await fetch(`${api}/v1/auth/me`, { headers: { authorization: `Bearer ${firstToken}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe("dev@example.com");
  });
}, 120_000);
