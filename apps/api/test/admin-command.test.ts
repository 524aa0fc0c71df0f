// Admin is an operator's grant: registration never gives it, the admin command (`lineup-api admin ...`, run here as
// the real command in a process of its own) grants and revokes it, and the change takes effect on the next request.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileApp, createTestContext, freePort, runAdminCommand, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
const PASSWORD = "operator password";

beforeAll(async () => {
  ctx = await createTestContext("admin-command");
  api = await makeApp(ctx);
});
afterAll(() => ctx.cleanup());

const admin = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) =>
  runAdminCommand({ ...ctx.env, BCRYPT_COST: "4", ...options.env }, args, { stdin: options.stdin });

async function register(email: string, extra: Record<string, unknown> = {}) {
  const res = await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD, ...extra } });
  expect(res.status).toBe(201);
  return res.body as { id: string; role: string };
}
async function login(email: string): Promise<string> {
  const res = await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  return res.body.accessToken;
}
const roleIn = (token: string) =>
  JSON.parse(atob((token.split(".")[1] as string).replace(/-/g, "+").replace(/_/g, "/"))).role;
const adminQueues = (token: string) => api.call("GET", "/v1/admin/queues", { token });
const me = (token: string) => api.call("GET", "/v1/auth/me", { token });

describe("registration", () => {
  it("never grants admin, whatever the email looks like or the body asks for", async () => {
    for (const email of [`admin.${crypto.randomUUID().slice(0, 6)}@example.com`, uniqueEmail("ops")]) {
      expect((await register(email, { role: "admin" })).role).toBe("user");
      const token = await login(email);
      expect(roleIn(token)).toBe("user");
      expect((await adminQueues(token)).status).toBe(403);
    }
  });
});

describe("admin grant", () => {
  it("makes the next login an admin, retires the tokens issued before (401), and is audited", async () => {
    const email = uniqueEmail("grantee");
    await register(email);
    const before = await login(email);
    expect((await me(before)).status).toBe(200);

    const run = await admin(["grant", email.toUpperCase()]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain(`granted: ${email} is an admin now`);

    const stale = await me(before);
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe("unauthorized");
    const after = await login(email);
    expect(roleIn(after)).toBe("admin");
    expect((await me(after)).body.role).toBe("admin");
    expect((await adminQueues(after)).status).toBe(200);

    const audit = (await api.call("GET", "/v1/admin/audit", { token: after })).body.items;
    expect(audit[0]).toMatchObject({ action: "admin.grant", actorEmail: "(admin command)", target: { email } });

    // Again: nothing to change, and the admin's token stays good.
    const again = await admin(["grant", email]);
    expect(again).toMatchObject({ code: 0, stdout: `${email} is an admin already; nothing changed.\n` });
    expect((await adminQueues(after)).status).toBe(200);
  });
});

describe("admin revoke", () => {
  it("makes an admin's current token 401 on its next request and the next login a user (403 on /v1/admin)", async () => {
    const email = uniqueEmail("revokee");
    await register(email);
    expect((await admin(["grant", email])).code).toBe(0);
    const adminToken = await login(email);
    expect((await adminQueues(adminToken)).status).toBe(200);

    const run = await admin(["revoke", email]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`revoked: ${email} is not an admin now`);

    expect((await adminQueues(adminToken)).status).toBe(401);
    const userToken = await login(email);
    expect(roleIn(userToken)).toBe("user");
    const refused = await adminQueues(userToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect((await me(userToken)).body.role).toBe("user");

    expect(await admin(["revoke", email])).toMatchObject({
      code: 0,
      stdout: `${email} is not an admin; nothing changed.\n`,
    });
  });
});

describe("admin list", () => {
  it("prints the admins' emails, one a line, and no one else", async () => {
    const [boss, user] = [uniqueEmail("listed"), uniqueEmail("unlisted")];
    await register(boss);
    await register(user);
    expect((await admin(["grant", boss])).code).toBe(0);
    const run = await admin(["list"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toContain(boss);
    expect(lines).not.toContain(user);
  });
});

describe("admin create", () => {
  it("creates an account with the user role from a password on standard input, even with registration closed", async () => {
    const email = uniqueEmail("created");
    const run = await admin(["create", email], { env: { REGISTRATION: "closed" }, stdin: `${PASSWORD}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`created: ${email} (role user)`);
    expect(roleIn(await login(email))).toBe("user");

    const taken = await admin(["create", email], { stdin: PASSWORD });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`error: email_taken: ${email}`);
  });

  it("refuses a password registration would refuse, and an empty standard input, with exit 2", async () => {
    for (const stdin of ["short", ""]) {
      const run = await admin(["create", uniqueEmail("weak")], { stdin });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("error: invalid_password:");
      expect(run.stderr).not.toContain(stdin || "never");
    }
  });
});

describe("failures", () => {
  it("names an unknown email and exits 1, changing nothing", async () => {
    const email = uniqueEmail("nobody");
    for (const command of ["grant", "revoke"]) {
      const run = await admin([command, email]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`error: unknown_user: no account has the email ${email}`);
    }
    expect(await ctx.db.collection("users").findOne({ email })).toBeNull();
  });

  it.each([
    [[], "usage: lineup-api admin"],
    [["promote", "a@example.com"], 'no admin command "promote"'],
    [["grant"], "admin grant takes one email"],
    [["grant", "a@example.com", "b@example.com"], "admin grant takes one email"],
    [["list", "extra"], "admin list takes no arguments"],
    [["grant", "not-an-email"], 'error: invalid_email: "not-an-email" is not an email address'],
  ])("answers %j with exit 2 and says why", async (args, said) => {
    const run = await admin(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(said);
  });

  it("says so and exits 1 when Redis cannot be updated; the MongoDB change stands and a second run completes it", async () => {
    const email = uniqueEmail("half");
    await register(email);
    const before = await login(email);
    // Caches the token generation in Redis, as any request does.
    expect((await me(before)).status).toBe(200);

    const run = await admin(["grant", email], { env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: redis_not_updated: ${email} is an admin now in MongoDB, but Redis`);
    expect(run.stderr).toContain("Run the same command again once Redis answers.");
    expect((await ctx.db.collection("users").findOne({ email }))?.role).toBe("admin");
    // The honest part of the message: until the cache is raised, the old token is still taken.
    expect((await me(before)).status).toBe(200);

    expect((await admin(["grant", email])).code).toBe(0);
    expect((await me(before)).status).toBe(401);
    expect(roleIn(await login(email))).toBe("admin");
  });

  it("says MongoDB could not be reached and exits 1", async () => {
    const run = await admin(["list"], { env: { MONGO_URL: `mongodb://127.0.0.1:${await freePort()}` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: mongo_unavailable: MongoDB could not be reached (MONGO_URL)");
  }, 20_000);
});

describe("lineup-api admin", () => {
  it("runs the command from the compiled api binary instead of serving, as in a container", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lineup-api-bin-"));
    try {
      const binary = join(dir, "lineup-api");
      const build = compileApp("api", binary);
      expect(build.stderr.toString()).toBe("");
      const email = uniqueEmail("binary");
      await register(email);
      const proc = Bun.spawn([binary, "admin", "grant", email], {
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...ctx.env },
        stdout: "pipe",
        stderr: "pipe",
        timeout: 30_000,
      });
      const stdout = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      expect(stdout).toContain(`granted: ${email} is an admin now`);
      expect(stdout).not.toContain("api listening");
      expect(roleIn(await login(email))).toBe("admin");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
