// Start-to-ready time of the api: the compiled binary (bun build --compile) against `bun apps/api/src/index.ts`,
// measured in one run against the test kit's private servers. Usage: bun bench/startup.ts [runs=7]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestContext, freePort, REPO_ROOT } from "@lineup/testkit";

const runs = Number(process.argv[2] ?? 7);
const ctx = await createTestContext("startup");
const outDir = mkdtempSync(join(tmpdir(), "lineup-compiled-"));
const binary = join(outDir, "lineup-api");
const build = Bun.spawnSync(["bun", "build", "--compile", "--minify", "apps/api/src/index.ts", "--outfile", binary], {
  cwd: REPO_ROOT,
});
if (build.exitCode !== 0) throw new Error(`bun build --compile failed:\n${build.stderr.toString()}`);

async function readyMs(argv: string[]): Promise<number> {
  const port = await freePort();
  const env = { ...process.env, ...ctx.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  const started = performance.now();
  const proc = Bun.spawn(argv, {
    cwd: REPO_ROOT,
    env: { ...env, JWT_SECRET: "x".repeat(40) },
    stdout: "ignore",
    stderr: "ignore",
  });
  for (;;) {
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await Bun.sleep(2);
  }
  const ms = performance.now() - started;
  proc.kill();
  await proc.exited;
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const source: number[] = [];
const compiled: number[] = [];
for (let i = 0; i < runs; i++) {
  // Interleaved, so drift in machine load hits both alike.
  source.push(await readyMs(["bun", "apps/api/src/index.ts"]));
  compiled.push(await readyMs([binary]));
}
console.log(
  `api start-to-ready, median of ${runs}: bun source ${median(source).toFixed(0)} ms, compiled ${median(compiled).toFixed(0)} ms (ratio ${(median(compiled) / median(source)).toFixed(2)})`,
);
rmSync(outDir, { recursive: true, force: true });
await ctx.cleanup();
process.exit(0);
