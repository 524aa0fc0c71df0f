// What the README documents, for tests that keep the code, the compose files and the README saying the same thing.
import { join } from "node:path";
import { REPO_ROOT } from "./spawn";

/** The variables in the README's configuration table, in its order. */
export async function documentedSettings(): Promise<string[]> {
  const readme = await Bun.file(join(REPO_ROOT, "README.md")).text();
  const section = readme.split(/^## /m).find((s) => s.startsWith("Configuration\n")) ?? "";
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1] as string);
}
