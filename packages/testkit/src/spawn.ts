// Spawns the real api and worker processes for end-to-end tests, with their output captured.
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./ports";
import { track } from "./process-registry";

export const REPO_ROOT = resolve(import.meta.dir, "../../..");

const ENTRIES = {
  api: join(REPO_ROOT, "apps/api/src/index.ts"),
  worker: join(REPO_ROOT, "apps/worker/src/index.ts"),
} as const;

export type AppProcess = {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Base URL of the api (the worker's metrics server for a worker). */
  url: string;
  port: number;
  /** Every line the process wrote to stdout and stderr so far. */
  lines: string[];
  /** Waits until a line matches, or throws after timeoutMs. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends the signal and waits for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
};

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-bytes-long";

const BASE_ENV = {
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  JWT_SECRET: TEST_JWT_SECRET,
  BCRYPT_COST: "4",
  LOG_LEVEL: "info",
  // Tests parse these lines and scan them for secrets (linesWithSecrets), so they stay JSON whatever the default.
  LOG_FORMAT: "json",
  // End-to-end tests fail logins, register and submit far faster than people; the limits have tests of their own.
  LOGIN_FAILURES_PER_ADDRESS: "100000",
  REGISTRATION_RATE_LIMIT: "100000",
  SUBMIT_RATE_LIMIT: "100000",
};

export async function spawnApp(
  app: keyof typeof ENTRIES,
  env: Record<string, string>,
  options: { waitReady?: boolean; readyTimeoutMs?: number } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const portVar = app === "api" ? "PORT" : "WORKER_METRICS_PORT";
  const proc = Bun.spawn(["bun", ENTRIES[app]], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      ...BASE_ENV,
      [portVar]: String(port),
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  track(proc);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      const parts = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts.filter(Boolean));
      for (const wake of waiters) wake();
    }
    if (rest) lines.push(rest);
    for (const wake of waiters) wake();
  };
  void pump(proc.stdout);
  void pump(proc.stderr);

  const child: AppProcess = {
    proc,
    url: `http://127.0.0.1:${port}`,
    port,
    lines,
    async waitForLine(pattern, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const hit = lines.find((l) => pattern.test(l));
        if (hit) return hit;
        if (proc.exitCode !== null) break;
        await new Promise<void>((wake) => {
          waiters.add(wake);
          setTimeout(wake, 50);
        });
      }
      throw new Error(`${app} never printed ${pattern}; output:\n${lines.join("\n")}`);
    },
    async stop(signal = "SIGTERM", timeoutMs = 15_000) {
      if (proc.exitCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      await proc.exited;
      clearTimeout(timer);
      return proc.exitCode;
    },
  };
  if (options.waitReady !== false) await waitHealthy(child, options.readyTimeoutMs ?? 15_000);
  return child;
}

async function waitHealthy(child: AppProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.proc.exitCode !== null) break;
    const ok = await fetch(`${child.url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(25);
  }
  throw new Error(`process did not become healthy on ${child.url}; output:\n${child.lines.join("\n")}`);
}
