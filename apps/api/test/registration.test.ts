// Who may create accounts (REGISTRATION), how many per address, and how bcrypt work is bounded under a rush.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, grantAdmin, runAdminCommand, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("registration");
});
afterAll(() => ctx.cleanup());

const PASSWORD = "password123";
type Api = Awaited<ReturnType<typeof makeApp>>;
const register = (api: Api, email: string, options: { token?: string; address?: string } = {}) =>
  api.call("POST", "/v1/auth/register", {
    body: { email, password: PASSWORD },
    token: options.token,
    headers: options.address ? { "x-forwarded-for": options.address } : {},
  });
const tokenOf = async (api: Api, email: string) =>
  (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).body.accessToken as string;

describe("REGISTRATION", () => {
  it("closed: refuses every sign-up with 403 registration_closed", async () => {
    const api = await makeApp(ctx, { env: { REGISTRATION: "closed" } });
    const res = await register(api, uniqueEmail("closed"));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("registration_closed");
  });

  it("admin: only an admin's token creates accounts; the first comes from the admin command", async () => {
    const admin = uniqueEmail("boss");
    const api = await makeApp(ctx, { env: { REGISTRATION: "admin" } });
    const anonymous = await register(api, uniqueEmail("anon"));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthorized");
    expect((await register(api, admin)).status).toBe(401);

    // The bootstrap an operator follows (docs/security.md): create the account, then grant it admin.
    const bootstrap = await runAdminCommand(
      { ...ctx.env, REGISTRATION: "admin", BCRYPT_COST: "4" },
      ["create", admin],
      {
        stdin: `${PASSWORD}\n`,
      },
    );
    expect(bootstrap.code).toBe(0);
    await grantAdmin(ctx.env, admin);
    const adminToken = await tokenOf(api, admin);
    const member = uniqueEmail("member");
    const created = await register(api, member, { token: adminToken });
    expect(created.status).toBe(201);
    expect(created.body.role).toBe("user");

    const byMember = await register(api, uniqueEmail("friend"), { token: await tokenOf(api, member) });
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.code).toBe("forbidden");
  });

  it("open: anyone signs up, as before", async () => {
    const api = await makeApp(ctx, { env: { REGISTRATION: "open" } });
    expect((await register(api, uniqueEmail("open"))).status).toBe(201);
  });
});

describe("registration rate limit", () => {
  it("limits sign-ups per client address with 429 and Retry-After; other addresses and admins go on", async () => {
    const admin = uniqueEmail("limit-admin");
    const api = await makeApp(ctx, { env: { REGISTRATION_RATE_LIMIT: "2", TRUST_PROXY: "1" } });
    expect((await register(api, admin, { address: "10.8.0.9" })).status).toBe(201);
    await grantAdmin(ctx.env, admin);
    const adminToken = await tokenOf(api, admin);
    expect((await register(api, uniqueEmail("a"), { address: "10.8.0.1" })).status).toBe(201);
    expect((await register(api, uniqueEmail("a"), { address: "10.8.0.1" })).status).toBe(201);
    const limited = await register(api, uniqueEmail("a"), { address: "10.8.0.1" });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await register(api, uniqueEmail("b"), { address: "10.8.0.2" })).status).toBe(201);
    expect((await register(api, uniqueEmail("c"), { address: "10.8.0.1", token: adminToken })).status).toBe(201);
  });
});

describe("bcrypt under a rush", () => {
  it("answers 503 unavailable with Retry-After to logins past the hashing queue's wait, and serves the rest", async () => {
    // One hash at a time at cost 10 (tens of ms each): of 8 logins at once, the last ones wait past 30 ms.
    const api = await makeApp(ctx, {
      env: { BCRYPT_COST: "10", HASH_CONCURRENCY: "1", HASH_QUEUE_TIMEOUT_MS: "30" },
    });
    const email = uniqueEmail("rush");
    expect((await register(api, email)).status).toBe(201);
    const logins = await Promise.all(
      Array.from({ length: 8 }, () => api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })),
    );
    const statuses = logins.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    for (const res of logins.filter((r) => r.status === 503)) {
      expect(res.body.error.code).toBe("unavailable");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("does not count a login turned away by the rush as a failed one", async () => {
    const api = await makeApp(ctx, {
      env: {
        BCRYPT_COST: "10",
        HASH_CONCURRENCY: "1",
        HASH_QUEUE_TIMEOUT_MS: "30",
        LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "8",
      },
    });
    const email = uniqueEmail("rush-wrong");
    expect((await register(api, email)).status).toBe(201);
    const guesses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.call("POST", "/v1/auth/login", { body: { email, password: "wrong-password" } }),
      ),
    );
    expect(guesses.map((r) => r.status)).toContain(503);
    // Only the guesses that were checked (401) count: 8 attempts, fewer than 8 failures, so the owner still gets in.
    expect((await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).status).toBe(200);
  });
});
