// Kills every server and app the test kit started when the test process ends, however it ends.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
const dirs = new Set<string>();
let hooked = false;

export function track(child: Subprocess, dir?: string): void {
  children.add(child);
  if (dir) dirs.add(dir);
  child.exited.then(() => children.delete(child));
  if (hooked) return;
  hooked = true;
  // A safety net for plain scripts; `bun test` does not fire 'exit', so preload.ts cleans up there.
  process.on("exit", cleanupNow);
}

export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

/**
 * Starts a server in its own temp dir, its output going to `<dir>/<logName>`, tracked so it dies with the tests.
 * `log()` reads that output so far (for a failure's message).
 */
export function spawnServer(argv: string[], dir: string, logName: string): { proc: Subprocess; log: () => string } {
  const logPath = join(dir, logName);
  const logFile = Bun.file(logPath);
  const proc = Bun.spawn(argv, { cwd: dir, stdin: "ignore", stdout: logFile, stderr: logFile });
  track(proc, dir);
  const log = () => {
    try {
      return readFileSync(logPath, "utf8");
    } catch {
      return "";
    }
  };
  return { proc, log };
}

/** Stops a server the kit started (SIGTERM, SIGKILL after 5 s) and removes its temp dir. */
export async function stopAndRemove(child: Subprocess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await child.exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
  untrackDir(dir);
}

/** Kills every tracked process and removes every tracked dir (bun test does not fire process 'exit'). */
export function cleanupNow(): void {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
