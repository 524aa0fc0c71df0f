// Builds an app into one binary exactly as the Dockerfile does (its `bun build --compile` flags), so the tests and the
// bench run the binary the images ship, not one built some other way.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./spawn";

type App = "api" | "worker";

/** The flags of the Dockerfile's `bun build --compile` for the app (the line continues with its entry point). */
export function imageCompileFlags(app: App): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
  const line = new RegExp(`bun build --compile ([^\\\\\\n]*)\\\\\\n\\s*apps/${app}/src/index\\.ts`).exec(dockerfile);
  if (!line?.[1]) throw new Error(`the Dockerfile has no bun build --compile line for apps/${app}`);
  return line[1].trim().split(/\s+/);
}

/** Compiles the app to `outfile` as the image does; its exit code and stderr say how it went. */
export function compileApp(app: App, outfile: string) {
  return Bun.spawnSync(
    ["bun", "build", "--compile", ...imageCompileFlags(app), `apps/${app}/src/index.ts`, "--outfile", outfile],
    { cwd: REPO_ROOT, stdout: "ignore", stderr: "pipe" },
  );
}
