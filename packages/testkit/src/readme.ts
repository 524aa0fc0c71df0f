// What the docs document, for tests that keep the code, the compose files and the docs saying the same thing.
import { join } from "node:path";
import { REPO_ROOT } from "./spawn";

/** The variables in the configuration table (docs/configuration.md), in its order. */
export async function documentedSettings(): Promise<string[]> {
  const page = await Bun.file(join(REPO_ROOT, "docs/configuration.md")).text();
  return [...page.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1] as string);
}
