// The probes that compare runtimes are plain JavaScript files run by Bun and then by Node; each prints one JSON line
// last, its measurement.
import { REPO_ROOT } from "@lineup/testkit";

export async function inEachRuntime<T>(script: string, args: string[]): Promise<T[]> {
  const results: T[] = [];
  for (const runtime of ["bun", "node"]) {
    const proc = Bun.spawn([runtime, script, ...args], { cwd: REPO_ROOT, stdout: "pipe", stderr: "inherit" });
    const out = await new Response(proc.stdout).text();
    if ((await proc.exited) !== 0) throw new Error(`${script} under ${runtime} failed`);
    results.push(JSON.parse(out.trim().split("\n").at(-1) ?? "") as T);
  }
  return results;
}
