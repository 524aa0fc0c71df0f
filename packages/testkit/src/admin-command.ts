// The operator's admin command (`lineup-api admin ...`) as a test runs it: the real command in a process of its own,
// pointed at the test's servers, so a test's admin gets the role exactly as an operator gives it.
import { join } from "node:path";
import { track } from "./process-registry";
import { REPO_ROOT } from "./spawn";

export type AdminRun = { code: number | null; stdout: string; stderr: string };

const ENTRY = join(REPO_ROOT, "apps/api/src/admin-cli.ts");

/** Runs `admin <args>` with `env` (a test context's env, say); `stdin` is what the command reads (create's password). */
export async function runAdminCommand(
  env: Record<string, string>,
  args: string[],
  options: { stdin?: string } = {},
): Promise<AdminRun> {
  const proc = Bun.spawn(["bun", ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "test", ...env },
    stdin: new Blob([options.stdin ?? ""]),
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  track(proc);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, stdout, stderr };
}

/** Makes a registered account an admin, as an operator does (`admin grant`); throws with the output if it fails. */
export async function grantAdmin(env: Record<string, string>, email: string): Promise<void> {
  const run = await runAdminCommand(env, ["grant", email]);
  if (run.code !== 0) throw new Error(`admin grant ${email} exited ${run.code}:\n${run.stdout}${run.stderr}`);
}
