// OWASP API Security Top 10 (2023), the items that apply to Lineup. Several are covered where the behaviour lives:
//   API1 object-level authorization: jobs.test.ts ("404 to everyone else, in get, list and cancel")
//   API2 broken authentication: auth.test.ts (alg none, forged, expired, other issuer, revoked tokens)
//   API3 mass assignment: auth.test.ts (role ignored), jobs.test.ts (status/result/owner/seq ignored)
//   API4 resource consumption: http.test.ts (413), jobs.test.ts (payload limits), limits.test.ts (429, quota)
//   API7 SSRF: apps/worker/src/handlers/*.test.ts (resolved-address guard, redirects re-checked)
//   API8 misconfiguration: http.test.ts (security headers, CORS off by default)
// This file adds what is left: NoSQL operator injection on every string input, excessive data exposure, and
// unexpected errors that must not leak internals.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createLogger } from "@lineup/log";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { Elysia } from "elysia";
import { errorHandler } from "../src/middlewares/error-handler";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
let token: string;
const PASSWORD = "password123";

beforeAll(async () => {
  ctx = await createTestContext("owasp");
  api = await makeApp(ctx);
  const email = uniqueEmail("owasp");
  await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
  token = (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).body.accessToken;
});
afterAll(() => ctx.cleanup());

const OPERATORS = [{ $ne: null }, { $gt: "" }, { $regex: ".*" }, { $where: "1" }, ["a", "b"]];

describe("NoSQL operator injection (API8/API3)", () => {
  it.each([
    ["register email", "/v1/auth/register", (v: unknown) => ({ email: v, password: PASSWORD })],
    ["register password", "/v1/auth/register", (v: unknown) => ({ email: uniqueEmail(), password: v })],
    ["login email", "/v1/auth/login", (v: unknown) => ({ email: v, password: PASSWORD })],
    ["login password", "/v1/auth/login", (v: unknown) => ({ email: "a@example.com", password: v })],
    ["job type", "/v1/jobs", (v: unknown) => ({ type: v, payload: 1 })],
    ["current password", "/v1/auth/password", (v: unknown) => ({ currentPassword: v, newPassword: "new password 1" })],
    ["new password", "/v1/auth/password", (v: unknown) => ({ currentPassword: PASSWORD, newPassword: v })],
  ])("refuses operator objects as the %s with 422", async (_name, path, body) => {
    for (const operator of OPERATORS) {
      const res = await api.call("POST", path, { token, body: body(operator) });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });

  it("treats operator-looking ids, statuses and cursors as plain text", async () => {
    for (const id of ["%7B%22%24ne%22%3Anull%7D", "%24ne", "%5B%5D"]) {
      expect((await api.call("GET", `/v1/jobs/${id}`, { token })).status).toBe(404);
      expect((await api.call("DELETE", `/v1/jobs/${id}`, { token })).status).toBe(404);
    }
    // Brackets make no nested object: `status[$ne]` is just an unknown parameter, ignored like any other.
    const bracketed = await api.call("GET", "/v1/jobs?status[$ne]=x", { token });
    expect(bracketed.status).toBe(200);
    expect(bracketed.body).toEqual((await api.call("GET", "/v1/jobs", { token })).body);
    const cursor = Buffer.from(JSON.stringify([{ $gt: 0 }, { $ne: null }])).toString("base64url");
    expect((await api.call("GET", `/v1/jobs?cursor=${cursor}`, { token })).status).toBe(422);
  });
});

describe("authentication first (API2)", () => {
  it("answers 401 before looking at the request, so an anonymous caller learns nothing about validation", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1/jobs?limit=0", undefined],
      ["POST", "/v1/jobs", { type: "nope" }],
      ["GET", "/v1/jobs/not-an-id", undefined],
    ] as const) {
      const res = await api.call(method, path, { body });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
  });
});

describe("excessive data exposure (API3)", () => {
  it("never returns a password hash, in any account response", async () => {
    const email = uniqueEmail("exposure");
    const bodies = [
      (await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } })).text,
      (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).text,
    ];
    const t = JSON.parse(bodies[1] as string).accessToken;
    bodies.push((await api.call("GET", "/v1/auth/me", { token: t })).text);
    bodies.push(
      (
        await api.call("POST", "/v1/auth/password", {
          token: t,
          body: { currentPassword: PASSWORD, newPassword: "password456" },
        })
      ).text,
    );
    for (const body of bodies) {
      expect(body).not.toContain("$2b$");
      expect(body).not.toContain("passwordHash");
      expect(body).not.toContain(PASSWORD);
    }
  });
});

describe("unexpected errors (API8)", () => {
  it("answer 500 internal with no message, stack or driver text", async () => {
    const lines: string[] = [];
    const app = new Elysia().use(errorHandler(createLogger({ write: (l) => lines.push(l) }))).get("/boom", () => {
      throw new Error("E11000 duplicate key error collection: lineup.users at /srv/app/db.ts:42");
    });
    const res = await app.handle(new Request("http://localhost/boom"));
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: expect.any(String) } });
    expect(text).not.toContain("E11000");
    expect(text).not.toContain("db.ts");
    // The operator still gets the details, in the log.
    expect(lines.join("\n")).toContain("E11000");
  });
});
