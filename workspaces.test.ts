// Every workspace declares what it imports: each package.json under apps/ and packages/ lists every external package
// and @lineup/* workspace its .ts files import, source imports in dependencies (the Docker build installs only
// those), test imports in either. The root package.json covers scripts/, bench/ and the root's own tests.
import { describe, expect, it } from "bun:test";
import { readdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { Glob } from "bun";

const ROOT = import.meta.dir;

type Manifest = { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

// Statements open a line (so a string that merely mentions one is not taken); a dynamic import may appear anywhere.
const STATIC = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']/gm;
const BARE = /^\s*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The package each import specifier names: scoped names keep two segments; builtins and relative paths none. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (/^(node|bun):/.test(specifier) || specifier === "bun" || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

function importedPackages(source: string): string[] {
  const specifiers = [STATIC, BARE, DYNAMIC].flatMap((re) => [...source.matchAll(re)].map((m) => m[1] as string));
  return [...new Set(specifiers.map(packageOf).filter((p): p is string => p !== undefined))];
}

const isTestFile = (path: string) => path.endsWith(".test.ts") || path.split("/").includes("test");

type Workspace = { dir: string; manifest: Manifest; files: string[]; shipped: boolean };

async function workspaces(): Promise<Workspace[]> {
  const tsFiles = (dir: string, pattern = "**/*.ts") =>
    [...new Glob(pattern).scanSync({ cwd: dir })].filter((f) => !f.split("/").includes("node_modules"));
  const manifest = (dir: string) => Bun.file(join(dir, "package.json")).json() as Promise<Manifest>;
  const found: Workspace[] = [];
  for (const group of ["apps", "packages"]) {
    for (const name of readdirSync(join(ROOT, group))) {
      const dir = join(ROOT, group, name);
      found.push({ dir, manifest: await manifest(dir), files: tsFiles(dir), shipped: true });
    }
  }
  // The root is never shipped: everything it imports is a dev dependency.
  const rootDirs = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !["apps", "packages", "node_modules"].includes(e.name))
    .map((e) => e.name);
  const rootFiles = [
    ...tsFiles(ROOT, "*.ts"),
    ...rootDirs.flatMap((d) => tsFiles(join(ROOT, d)).map((f) => `${d}/${f}`)),
  ];
  found.push({ dir: ROOT, manifest: await manifest(ROOT), files: rootFiles, shipped: false });
  return found;
}

describe("workspace manifests", () => {
  it("reads static, bare, re-exported, type-only and dynamic imports, and skips builtins and relative paths", () => {
    const source = [
      'import { a } from "jose";',
      'import type { B } from "@lineup/testkit/src/spawn";',
      'export { c } from "fast-check";',
      'import "typescript";',
      "import {\n  d,\n  e,\n} from '@biomejs/biome';",
      'const f = await import("@types/bun");',
      'import { g } from "node:fs";',
      'import { h } from "bun:test";',
      'import type { I } from "bun";',
      'import { j } from "./local";',
      'import { k } from "path";',
      'const text = "words from \\"elsewhere\\"";',
    ].join("\n");
    expect(importedPackages(source).sort()).toEqual([
      "@biomejs/biome",
      "@lineup/testkit",
      "@types/bun",
      "fast-check",
      "jose",
      "typescript",
    ]);
  });

  it("finds the workspaces and their files", async () => {
    const all = await workspaces();
    expect(all.map((w) => w.manifest.name)).toEqual(expect.arrayContaining(["@lineup/api", "@lineup/log", "lineup"]));
    const root = all.find((w) => w.dir === ROOT);
    expect(root?.files).toEqual(expect.arrayContaining(["workspaces.test.ts", "scripts/dev.ts"]));
  });

  it("declares every package a workspace imports", async () => {
    const undeclared: string[] = [];
    for (const ws of await workspaces()) {
      const deps = Object.keys(ws.manifest.dependencies ?? {});
      const devDeps = Object.keys(ws.manifest.devDependencies ?? {});
      for (const file of ws.files) {
        const allowed = ws.shipped && !isTestFile(file) ? deps : [...deps, ...devDeps];
        for (const pkg of importedPackages(await Bun.file(join(ws.dir, file)).text())) {
          if (pkg === ws.manifest.name || allowed.includes(pkg)) continue;
          const where = ws.shipped && !isTestFile(file) ? "dependencies" : "dependencies or devDependencies";
          undeclared.push(
            `${relative(ROOT, join(ws.dir, file))} imports ${pkg}, not in ${ws.manifest.name}'s ${where}`,
          );
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});
