// Start-to-ready: spawn to the first 200 from /readyz, for the api from source, the api compiled into one binary
// as the image builds it (the Dockerfile's bun build --compile flags), and a bare Elysia app (the baseline). Interleaved runs, medians.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileApp, freePort, REPO_ROOT } from "@lineup/testkit";
import { lineupEnv, type Stack } from "../lib/stack";

export type Startup = { runs: number; apiSourceMs: number; apiCompiledMs: number; bareElysiaMs: number };

export async function startup(stack: Stack, quick: boolean): Promise<Startup> {
  const runs = quick ? 3 : 7;
  const outDir = mkdtempSync(join(tmpdir(), "lineup-compiled-"));
  const binary = join(outDir, "lineup-api");
  const build = compileApp("api", binary);
  if (build.exitCode !== 0) throw new Error(`bun build --compile failed:\n${build.stderr.toString()}`);
  const env = { ...lineupEnv(stack, "bench-startup"), JWT_SECRET: "x".repeat(40), HOST: "127.0.0.1" };
  const source: number[] = [];
  const compiled: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift in machine load hits all three alike.
      source.push(await readyMs(["bun", "apps/api/src/index.ts"], env));
      compiled.push(await readyMs([binary], env));
      bare.push(await readyMs(["bun", "bench/peers/bare-elysia.ts"], env));
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return { runs, apiSourceMs: median(source), apiCompiledMs: median(compiled), bareElysiaMs: median(bare) };
}

async function readyMs(argv: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = Bun.spawn(argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdout: "ignore",
    stderr: "ignore",
  });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (proc.exitCode !== null) throw new Error(`${argv.join(" ")} exited before it was ready`);
    await Bun.sleep(2);
  }
  const ms = performance.now() - started;
  proc.kill();
  await proc.exited;
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
