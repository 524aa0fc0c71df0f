// Builds the client for use outside the monorepo: dist/index.js (one ESM file, bun build), its .d.ts files (tsc) and
// a package.json, so dist/ is the package (`bun run build`, or `bun build.ts <outDir>`).
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = import.meta.dir;
const TSC = resolve(ROOT, "../../node_modules/.bin/tsc");

export async function buildClient(outDir = join(ROOT, "dist")): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  const bundle = await Bun.build({
    entrypoints: [join(ROOT, "src/index.ts")],
    outdir: outDir,
    target: "browser",
    format: "esm",
  });
  if (!bundle.success) throw new AggregateError(bundle.logs, "bun build failed");
  const tsc = Bun.spawnSync([TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", outDir], { cwd: ROOT });
  if (tsc.exitCode !== 0) throw new Error(`tsc failed:\n${tsc.stdout.toString()}${tsc.stderr.toString()}`);
  const manifest = (await Bun.file(join(ROOT, "package.json")).json()) as { name: string; version: string };
  await Bun.write(
    join(outDir, "package.json"),
    `${JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        type: "module",
        exports: { ".": { types: "./index.d.ts", import: "./index.js" } },
        sideEffects: false,
      },
      null,
      2,
    )}\n`,
  );
  return outDir;
}

if (import.meta.main) console.log(`built ${await buildClient(process.argv[2] ? resolve(process.argv[2]) : undefined)}`);
