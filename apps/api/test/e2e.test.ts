import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";

let ctx: TestContext;
let api: AppProcess;

beforeAll(async () => {
  ctx = await createTestContext("e2eapi");
  api = await spawnApp("api", ctx.env);
});
afterAll(async () => {
  await api?.stop("SIGKILL");
  await ctx.cleanup();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("the api process", () => {
  it("registers, logs in and answers /me over real HTTP", async () => {
    const email = `e2e.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const reg = await post("/v1/auth/register", { email, password: "a long enough password" });
    expect(reg.status).toBe(201);
    const user = await reg.json();

    const login = await post("/v1/auth/login", { email, password: "a long enough password" });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };

    const me = await fetch(`${api.url}/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(user);

    const dup = await post("/v1/auth/register", { email: email.toUpperCase(), password: "another password!" });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { error: { code: string } }).error.code).toBe("email_taken");
  });

  it("refuses a body over the limit with 413 before reading it", async () => {
    const res = await post("/v1/auth/register", { email: "big@example.com", password: "x".repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
  });

  it("writes one JSON access-log line per request with its request id", async () => {
    await fetch(`${api.url}/healthz`, { headers: { "x-request-id": "trace-me-1" } });
    const line = await api.waitForLine(/"requestId":"trace-me-1"/);
    expect(JSON.parse(line)).toMatchObject({ msg: "request", method: "GET", route: "/healthz", status: 200 });
  });

  it("is ready when MongoDB and Redis answer", async () => {
    const res = await fetch(`${api.url}/readyz`);
    expect(res.status).toBe(200);
  });
});

describe("api process lifecycle", () => {
  it("drains and exits 0 on SIGTERM", async () => {
    const own = await spawnApp("api", ctx.env);
    expect(await own.stop("SIGTERM")).toBe(0);
    expect(own.lines.some((l) => l.includes('"msg":"api stopped"'))).toBe(true);
  });

  it("refuses to start with bad configuration, listing every problem", async () => {
    const bad = await spawnApp(
      "api",
      { ...ctx.env, NODE_ENV: "production", JWT_SECRET: "", PORT: "not-a-port", BCRYPT_COST: "99" },
      { waitReady: false },
    );
    const code = await bad.proc.exited;
    await Bun.sleep(50);
    const output = bad.lines.join("\n");
    expect(code).toBe(1);
    expect(output).toContain("PORT");
    expect(output).toContain("BCRYPT_COST");
    expect(output).toContain("JWT_SECRET");
  });
});
