import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("limits");
});
afterAll(() => ctx.cleanup());

const PASSWORD = "password123";
const from = (address: string) => ({ "x-forwarded-for": address });

describe("login rate limits", () => {
  it("limits attempts per account, with Retry-After, whatever the password", async () => {
    const api = await makeApp(ctx, { env: { LOGIN_RATE_LIMIT: "3", LOGIN_RATE_WINDOW: "60", TRUST_PROXY: "1" } });
    const email = uniqueEmail("acct");
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    for (let i = 0; i < 3; i++) {
      const res = await api.call("POST", "/v1/auth/login", {
        body: { email, password: "wrong-password" },
        headers: from(`10.1.0.${i}`),
      });
      expect(res.status).toBe(401);
    }
    const limited = await api.call("POST", "/v1/auth/login", {
      body: { email, password: PASSWORD },
      headers: from("10.1.0.9"),
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = uniqueEmail("acct-other");
    await api.call("POST", "/v1/auth/register", { body: { email: other, password: PASSWORD } });
    expect(
      (
        await api.call("POST", "/v1/auth/login", {
          body: { email: other, password: PASSWORD },
          headers: from("10.1.0.10"),
        })
      ).status,
    ).toBe(200);
  });

  it("limits attempts per client address across accounts", async () => {
    const api = await makeApp(ctx, { env: { LOGIN_RATE_LIMIT: "3", TRUST_PROXY: "1" } });
    for (let i = 0; i < 3; i++) {
      const res = await api.call("POST", "/v1/auth/login", {
        body: { email: uniqueEmail("spray"), password: PASSWORD },
        headers: from("10.2.0.1"),
      });
      expect(res.status).toBe(401);
    }
    const limited = await api.call("POST", "/v1/auth/login", {
      body: { email: uniqueEmail("spray"), password: PASSWORD },
      headers: from("10.2.0.1"),
    });
    expect(limited.status).toBe(429);
    const elsewhere = await api.call("POST", "/v1/auth/login", {
      body: { email: uniqueEmail("spray"), password: PASSWORD },
      headers: from("10.2.0.2"),
    });
    expect(elsewhere.status).toBe(401);
  });
});

describe("client address behind a proxy (TRUST_PROXY)", () => {
  it("counts a client by the address its proxy saw, however it rotates the leftmost X-Forwarded-For entry", async () => {
    const api = await makeApp(ctx, { env: { LOGIN_RATE_LIMIT: "3", TRUST_PROXY: "1" } });
    const attempt = (i: number) =>
      api.call("POST", "/v1/auth/login", {
        body: { email: uniqueEmail("rotate"), password: PASSWORD },
        headers: from(`172.20.0.${i}, 10.3.0.1`),
      });
    for (let i = 0; i < 3; i++) expect((await attempt(i)).status).toBe(401);
    expect((await attempt(9)).status).toBe(429);
  });

  it("never lets a client lock out the address it names", async () => {
    const api = await makeApp(ctx, { env: { LOGIN_RATE_LIMIT: "3", TRUST_PROXY: "1" } });
    for (let i = 0; i < 5; i++) {
      await api.call("POST", "/v1/auth/login", {
        body: { email: uniqueEmail("frame"), password: PASSWORD },
        headers: from("10.4.0.1, 10.4.0.66"),
      });
    }
    const victim = await api.call("POST", "/v1/auth/login", {
      body: { email: uniqueEmail("victim"), password: PASSWORD },
      headers: from("10.4.0.1"),
    });
    expect(victim.status).toBe(401);
  });
});

describe("submission limits", () => {
  async function user(api: Awaited<ReturnType<typeof makeApp>>) {
    const email = uniqueEmail("submit");
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    return (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).body
      .accessToken as string;
  }

  it("limits submissions per user per second", async () => {
    const api = await makeApp(ctx, { env: { SUBMIT_RATE_LIMIT: "3" } });
    const token = await user(api);
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: i } })).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const other = await user(api);
    expect((await api.call("POST", "/v1/jobs", { token: other, body: { type: "echo", payload: 0 } })).status).toBe(202);
    await Bun.sleep(1_100);
    expect((await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 5 } })).status).toBe(202);
  });

  it("caps the jobs one user may have queued with 429 quota_exceeded", async () => {
    const api = await makeApp(ctx, { env: { MAX_QUEUED_PER_USER: "2" } });
    const token = await user(api);
    const first = (await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1 } })).body;
    await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 2 } });
    const over = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 3 } });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("quota_exceeded");
    await api.call("DELETE", `/v1/jobs/${first.id}`, { token });
    expect((await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 4 } })).status).toBe(202);
  });
});
