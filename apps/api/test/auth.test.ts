import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { SignJWT, UnsecuredJWT } from "jose";
import { makeApp, TEST_SECRET, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
const logLines: string[] = [];
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  ctx = await createTestContext("auth");
  api = await makeApp(ctx, { logLines });
});
afterAll(() => ctx.cleanup());

async function registerAndLogin(email = uniqueEmail()) {
  const reg = await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
  expect(reg.status).toBe(201);
  const login = await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } });
  expect(login.status).toBe(200);
  return { user: reg.body, token: login.body.accessToken as string };
}

describe("POST /v1/auth/register", () => {
  it("creates a user with a normalized email and the user role", async () => {
    const res = await api.call("POST", "/v1/auth/register", {
      body: { email: "  Mixed.Case@Example.COM ", password: PASSWORD },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: "mixed.case@example.com",
      role: "user",
      createdAt: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(res.body.createdAt))).toBe(false);
  });

  it("answers 409 email_taken for an email already registered in any case", async () => {
    const email = uniqueEmail("dup");
    expect((await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } })).status).toBe(201);
    const again = await api.call("POST", "/v1/auth/register", {
      body: { email: ` ${email.toUpperCase()} `, password: "another password" },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("email_taken");
  });

  it("stores a bcrypt hash, never the password", async () => {
    const email = uniqueEmail("hash");
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    const doc = await ctx.db.collection("users").findOne({ email });
    expect(doc?.passwordHash).toStartWith("$2b$04$");
    expect(JSON.stringify(doc)).not.toContain(PASSWORD);
  });

  it("ignores a role sent by the client and never grants admin, whatever the email", async () => {
    const sneaky = await api.call("POST", "/v1/auth/register", {
      body: { email: uniqueEmail("sneaky"), password: PASSWORD, role: "admin" },
    });
    expect(sneaky.body.role).toBe("user");
    // Once the way to admin: an email the operator listed. Now only the admin command grants it.
    const boss = await api.call("POST", "/v1/auth/register", {
      body: { email: "boss@example.com", password: PASSWORD },
    });
    expect(boss.body.role).toBe("user");
  });

  it.each([
    ["a missing password", { email: "x@example.com" }, ["password"]],
    ["a short password", { email: "x@example.com", password: "short" }, ["password"]],
    ["a password over 256 characters", { email: "x@example.com", password: "p".repeat(257) }, ["password"]],
    ["a number for email", { email: 42, password: PASSWORD }, ["email"]],
    ["an operator object for email", { email: { $ne: null }, password: PASSWORD }, ["email"]],
    ["an operator object for password", { email: "x@example.com", password: { $gt: "" } }, ["password"]],
    ["a malformed email", { email: "not-an-email", password: PASSWORD }, ["email"]],
    ["an array body", [1, 2], ["body"]],
  ])("answers 422 validation_failed for %s", async (_name, body, paths) => {
    const res = await api.call("POST", "/v1/auth/register", { body });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
  });

  it("never echoes submitted values in a validation error", async () => {
    const secret = "hunter2-but-with-more-letters-".repeat(10); // 300 chars: too long
    const res = await api.call("POST", "/v1/auth/register", { body: { email: "bad-email-value", password: secret } });
    expect(res.status).toBe(422);
    expect(res.text).not.toContain("hunter2");
    expect(res.text).not.toContain("bad-email-value");
  });

  it("answers 422 for malformed JSON", async () => {
    const res = await api.call("POST", "/v1/auth/register", {
      raw: '{"email": "a@b.co", "password": "hunter2hunter2"',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.text).not.toContain("hunter2");
  });
});

describe("POST /v1/auth/login", () => {
  it("returns a bearer token that expires", async () => {
    const email = uniqueEmail("login");
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    const res = await api.call("POST", "/v1/auth/login", { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: "Bearer", expiresIn: 3600 });
    const claims = JSON.parse(Buffer.from(res.body.accessToken.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ iss: "lineup", role: "user", sub: expect.any(String), jti: expect.any(String) });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it("gives the same 401 body for an unknown email and a wrong password", async () => {
    const email = uniqueEmail("same");
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    const wrong = await api.call("POST", "/v1/auth/login", { body: { email, password: "wrong password" } });
    const unknown = await api.call("POST", "/v1/auth/login", {
      body: { email: uniqueEmail("nobody"), password: PASSWORD },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe("invalid_credentials");
  });

  it("does not truncate long passwords at bcrypt's 72 bytes", async () => {
    const email = uniqueEmail("long");
    const long = `${"a".repeat(80)}-one`;
    await api.call("POST", "/v1/auth/register", { body: { email, password: long } });
    const sameFirst72 = await api.call("POST", "/v1/auth/login", {
      body: { email, password: `${"a".repeat(80)}-two` },
    });
    expect(sameFirst72.status).toBe(401);
    expect((await api.call("POST", "/v1/auth/login", { body: { email, password: long } })).status).toBe(200);
  });
});

describe("passwords in any Unicode form", () => {
  // "Crème brûlée" typed where accents are composed (NFC) and where they are not (NFD): the same text to its user.
  const composed = "Crème brûlée à la carte".normalize("NFC");
  const decomposed = composed.normalize("NFD");
  const login = (email: string, password: string) => api.call("POST", "/v1/auth/login", { body: { email, password } });

  it("logs in with either form of the password it was registered with, in either form", async () => {
    expect(composed).not.toBe(decomposed);
    for (const [registered, typed] of [
      [composed, decomposed],
      [decomposed, composed],
    ] as const) {
      const email = uniqueEmail("unicode");
      expect((await api.call("POST", "/v1/auth/register", { body: { email, password: registered } })).status).toBe(201);
      expect((await login(email, typed)).status).toBe(200);
      expect((await login(email, registered)).status).toBe(200);
      expect((await login(email, "Creme brulee a la carte")).status).toBe(401);
    }
  });

  it("keeps accounts hashed as typed working, and moves them to NFC at their first login without logging anyone out", async () => {
    // An account from before normalisation: its hash is of the decomposed text, and it has no passwordForm.
    const email = uniqueEmail("legacy");
    expect((await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } })).status).toBe(201);
    const users = ctx.db.collection("users");
    const legacyHash = await Bun.password.hash(decomposed, { algorithm: "bcrypt", cost: 4 });
    await users.updateOne({ email }, { $set: { passwordHash: legacyHash }, $unset: { passwordForm: "" } });
    expect((await login(email, "not the password")).status).toBe(401);
    expect((await users.findOne({ email }))?.passwordHash).toBe(legacyHash);

    const first = await login(email, composed);
    expect(first.status).toBe(200);
    const upgraded = await users.findOne({ email });
    expect(upgraded?.passwordForm).toBe("NFC");
    expect(upgraded?.passwordHash).not.toBe(legacyHash);
    expect(await Bun.password.verify(composed, upgraded?.passwordHash as string)).toBe(true);
    // The same password: the token of the first login still works, and both forms log in.
    const me = await api.call("GET", "/v1/auth/me", { token: first.body.accessToken });
    expect(me.status).toBe(200);
    expect((await login(email, decomposed)).status).toBe(200);
  });

  it("changes a password given in either form, and stores the new one in NFC", async () => {
    const email = uniqueEmail("change");
    await api.call("POST", "/v1/auth/register", { body: { email, password: composed } });
    const token = (await login(email, composed)).body.accessToken as string;
    const changed = await api.call("POST", "/v1/auth/password", {
      token,
      body: { currentPassword: decomposed, newPassword: `${decomposed} encore` },
    });
    expect(changed.status).toBe(200);
    expect((await login(email, `${composed} encore`)).status).toBe(200);
  });
});

describe("GET /v1/auth/me", () => {
  it("returns the token's user", async () => {
    const { user, token } = await registerAndLogin();
    const me = await api.call("GET", "/v1/auth/me", { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(user);
  });

  it("answers 401 unauthorized without a token", async () => {
    const res = await api.call("GET", "/v1/auth/me");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
  });

  const forged: [string, (sub: string) => Promise<string>][] = [
    [
      "an alg:none token",
      async (sub) =>
        new UnsecuredJWT({ sub, role: "admin", jti: "x" })
          .setIssuer("lineup")
          .setIssuedAt()
          .setExpirationTime("1h")
          .encode(),
    ],
    [
      "a token signed with another secret",
      async (sub) =>
        new SignJWT({ sub, role: "user", jti: "x" })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer("lineup")
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode("some-other-secret-that-is-32-bytes-long")),
    ],
    [
      "an expired token",
      async (sub) =>
        new SignJWT({ sub, role: "user", jti: "x" })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer("lineup")
          .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    [
      "a token without exp",
      async (sub) =>
        new SignJWT({ sub, role: "user", jti: "x" })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer("lineup")
          .setIssuedAt()
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    [
      "a token signed with HS512 and our secret",
      async (sub) =>
        new SignJWT({ sub, role: "user", jti: "x" })
          .setProtectedHeader({ alg: "HS512" })
          .setIssuer("lineup")
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    [
      "a token from another issuer",
      async (sub) =>
        new SignJWT({ sub, role: "user", jti: "x" })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer("elsewhere")
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
  ];
  it.each(forged)("answers 401 for %s", async (_name, make) => {
    const { user } = await registerAndLogin();
    const res = await api.call("GET", "/v1/auth/me", { token: await make(user.id) });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("accepts a token we signed the same way (the forgeries above fail only for their flaw)", async () => {
    const { user } = await registerAndLogin();
    const token = await new SignJWT({ sub: user.id, role: "user", jti: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("lineup")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(TEST_SECRET));
    expect((await api.call("GET", "/v1/auth/me", { token })).status).toBe(200);
  });

  it("refuses a token from the moment it expires, though it was accepted just before", async () => {
    const { user } = await registerAndLogin();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ sub: user.id, role: "user", jti: "short" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("lineup")
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(TEST_SECRET));
    expect((await api.call("GET", "/v1/auth/me", { token })).status).toBe(200);
    expect((await api.call("GET", "/v1/auth/me", { token })).status).toBe(200);
    await Bun.sleep(exp * 1000 - Date.now() + 50);
    const late = await api.call("GET", "/v1/auth/me", { token });
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe("unauthorized");
  });

  it("never writes passwords or tokens to the log", async () => {
    const { token } = await registerAndLogin();
    await api.call("GET", "/v1/auth/me", { token });
    const all = logLines.join("\n");
    expect(logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(token);
  });
});

describe("token lifecycle", () => {
  it("logout revokes only the token used for it", async () => {
    const email = uniqueEmail("logout");
    const { token } = await registerAndLogin(email);
    const other = (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).body.accessToken;
    expect((await api.call("POST", "/v1/auth/logout", { token })).status).toBe(204);
    const after = await api.call("GET", "/v1/auth/me", { token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    expect((await api.call("GET", "/v1/auth/me", { token: other })).status).toBe(200);
    expect((await api.call("POST", "/v1/auth/logout", { token })).status).toBe(401);
  });

  it("a password change needs the current password", async () => {
    const { token } = await registerAndLogin();
    const res = await api.call("POST", "/v1/auth/password", {
      token,
      body: { currentPassword: "not the password", newPassword: "a brand new password" },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("wrong_password");
    expect((await api.call("GET", "/v1/auth/me", { token })).status).toBe(200);
  });

  it("a password change retires every older token and returns a working new one", async () => {
    const email = uniqueEmail("pw");
    const { token } = await registerAndLogin(email);
    const second = (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).body.accessToken;
    const res = await api.call("POST", "/v1/auth/password", {
      token,
      body: { currentPassword: PASSWORD, newPassword: "a brand new password" },
    });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain("a brand new password");
    for (const old of [token, second]) expect((await api.call("GET", "/v1/auth/me", { token: old })).status).toBe(401);
    expect((await api.call("GET", "/v1/auth/me", { token: res.body.accessToken })).status).toBe(200);
    expect((await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).status).toBe(401);
    expect(
      (await api.call("POST", "/v1/auth/login", { body: { email, password: "a brand new password" } })).status,
    ).toBe(200);
  });

  it("keeps working when the cached token generation is gone from Redis", async () => {
    const { user, token } = await registerAndLogin();
    await ctx.redisClient.del(`lineup:auth:gen:${user.id}`);
    expect((await api.call("GET", "/v1/auth/me", { token })).status).toBe(200);
  });
});
