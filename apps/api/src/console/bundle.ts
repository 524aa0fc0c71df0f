// A Bun macro: the console's script, built when the api is bundled or started, inlined as a string into assets.ts.
import { join } from "node:path";

/**
 * The script as build.ts prints it. A process of its own, because Bun.build inside a macro would wait on the bundler
 * that runs the macro. The string lands in the importing file, so `bun build --compile` carries it in the binary and
 * nothing is read from disk at run time.
 */
export function consoleScript(): string {
  const run = Bun.spawnSync([process.execPath, join(import.meta.dir, "build.ts")], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`the console's script did not build:\n${run.stderr.toString()}`);
  return run.stdout.toString();
}
