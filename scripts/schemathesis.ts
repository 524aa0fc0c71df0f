// Fuzzes a private api's OpenAPI document with schemathesis (all checks, a bearer token); extra args go to `schemathesis run`.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppProcess, createTestContext, grantAdmin, spawnApp, type TestContext } from "@lineup/testkit";

// 12 operations x 60 fuzzed examples, plus the coverage and stateful phases: well over 500 cases.
const MAX_EXAMPLES = process.env.ST_MAX_EXAMPLES ?? "60";
const reportDir = process.env.ST_REPORT_DIR ?? join(tmpdir(), `lineup-schemathesis-${Date.now()}`);
const LOGOUT = "/v1/auth/logout";
// Event streams stay open by design (until the job ends, or for good): a fuzzer's request would only time out.
const STREAMS = ["/v1/events", "/v1/jobs/{id}/events"];
// The fuzzing user is an admin, so the admin routes are fuzzed past their 403 too.
const ADMIN = "st.admin@example.com";
let ctx: TestContext | undefined;
let api: AppProcess | undefined;
let st: ReturnType<typeof Bun.spawn> | undefined;
let code = 1;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => st?.kill("SIGTERM"));

const headers = { "content-type": "application/json" };
const body = JSON.stringify({ email: ADMIN, password: "password123" });

/** Registers the fuzzing user and makes it an admin as an operator does (the admin command). */
async function registerAdmin(url: string, env: Record<string, string>): Promise<void> {
  const res = await fetch(`${url}/v1/auth/register`, { method: "POST", headers, body });
  if (res.status !== 201) throw new Error(`registering ${ADMIN} failed with ${res.status}`);
  await grantAdmin(env, ADMIN);
}

/** A fresh bearer token for the admin. */
async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/auth/login`, { method: "POST", headers, body });
  const { accessToken } = (await res.json()) as { accessToken?: string };
  if (!accessToken) throw new Error(`login failed with ${res.status}`);
  return accessToken;
}

/** One `schemathesis run` with the given token, bounded to 10 minutes; returns its exit code. */
async function schemathesis(url: string, name: string, bearer: string, args: string[]): Promise<number> {
  const dir = join(reportDir, name);
  mkdirSync(dir, { recursive: true });
  // biome-ignore format: one flag and its value per pair
  const argv = [
    "schemathesis", "--config-file", join(import.meta.dir, "schemathesis.toml"), "run", `${url}/docs/json`, "--url", url,
    "-H", `Authorization: Bearer ${bearer}`,
    "--checks", "all", "--max-examples", MAX_EXAMPLES, "--workers", "2",
    "--request-timeout", "10", "--continue-on-failure", "--generation-database", "none", "--no-color",
    "--report", "junit,ndjson", "--report-dir", dir,
    // Not failures of this API: DELETE cancels (the job stays readable, as `canceled`), cursors and reused
    // Idempotency-Keys are opaque or stateful values a schema cannot describe.
    "--exclude-checks", "use_after_free,positive_data_acceptance",
    ...args, ...process.argv.slice(2),
  ];
  console.log(`\n$ ${argv.join(" ").replace(bearer, "<token>")}`);
  st = Bun.spawn(argv, { cwd: dir, stdout: "inherit", stderr: "inherit", timeout: 10 * 60_000 });
  return (await st.exited) ?? 1;
}

try {
  ctx = await createTestContext("schemathesis");
  // Only the api: a worker would run the generated `http` jobs against whatever hosts schemathesis makes up.
  api = await spawnApp("api", { ...ctx.env, BCRYPT_COST: "4", LOG_LEVEL: "warn" });
  await registerAdmin(api.url, ctx.env);
  // Logout revokes the token every other case uses, so it gets its own run with its own token. Both tokens are taken
  // before any fuzzing: the main run's failed logins, all from this one address, may use up the address's budget and
  // turn a later login of ours away with 429.
  const [mainToken, logoutToken] = [await token(api.url), await token(api.url)];
  const main = await schemathesis(api.url, "main", mainToken, [
    "--exclude-path",
    LOGOUT,
    ...STREAMS.flatMap((path) => ["--exclude-path", path]),
  ]);
  const logout = await schemathesis(api.url, "logout", logoutToken, ["--include-path", LOGOUT]);
  code = main || logout;
  const errors = api.lines.filter((l) => l.includes('"level":"error"'));
  console.log(
    `\napi logged ${errors.length} errors${errors.length ? ", the first:" : ""}\n${errors.slice(0, 5).join("\n")}`,
  );
  console.log(`\nreports: ${reportDir}`);
} catch (err) {
  console.error(err);
  if (api) console.error(api.lines.slice(-40).join("\n"));
} finally {
  await api?.stop("SIGTERM", 5_000);
  await ctx?.cleanup();
  await ctx?.redis.dispose();
  await ctx?.mongo.dispose();
}
process.exit(code);
