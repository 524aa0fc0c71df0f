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

describe("login limits (failures only)", () => {
  type Api = Awaited<ReturnType<typeof makeApp>>;
  const login = (api: Api, email: string, password: string, address: string) =>
    api.call("POST", "/v1/auth/login", { body: { email, password }, headers: from(address) });
  async function account(api: Api, tag: string): Promise<string> {
    const email = uniqueEmail(tag);
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    return email;
  }
  const limits = (env: Record<string, string>) =>
    makeApp(ctx, {
      env: {
        TRUST_PROXY: "1",
        LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "1000",
        LOGIN_FAILURES_PER_ACCOUNT: "1000",
        LOGIN_FAILURES_PER_ADDRESS: "1000",
        ...env,
      },
    });

  it("never counts a successful login: everyone behind one address keeps logging in", async () => {
    const api = await limits({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "3", LOGIN_FAILURES_PER_ADDRESS: "3" });
    const emails = [await account(api, "nat-a"), await account(api, "nat-b")];
    for (let i = 0; i < 8; i++) {
      expect((await login(api, emails[i % 2] as string, PASSWORD, "10.1.0.1")).status).toBe(200);
    }
  });

  it("locks the account for the guessing address only, not another account's right password", async () => {
    const api = await limits({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "3" });
    const target = await account(api, "target");
    const neighbour = await account(api, "neighbour");
    for (let i = 0; i < 3; i++) expect((await login(api, target, "wrong-password", "10.1.1.1")).status).toBe(401);
    const limited = await login(api, target, PASSWORD, "10.1.1.1");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await login(api, neighbour, PASSWORD, "10.1.1.1")).status).toBe(200);
    expect((await login(api, target, PASSWORD, "10.1.1.2")).status).toBe(200);
  });

  it("limits failures on one account spread over many addresses", async () => {
    const api = await limits({ LOGIN_FAILURES_PER_ACCOUNT: "3" });
    const target = await account(api, "spread");
    for (let i = 0; i < 3; i++) expect((await login(api, target, "wrong-password", `10.1.2.${i}`)).status).toBe(401);
    expect((await login(api, target, "wrong-password", "10.1.2.9")).status).toBe(429);
  });

  it("limits failures from one address spread over many accounts, with a ceiling of its own", async () => {
    const api = await limits({ LOGIN_FAILURES_PER_ADDRESS: "3" });
    for (let i = 0; i < 3; i++) expect((await login(api, uniqueEmail("spray"), PASSWORD, "10.1.3.1")).status).toBe(401);
    expect((await login(api, uniqueEmail("spray"), PASSWORD, "10.1.3.1")).status).toBe(429);
    expect((await login(api, uniqueEmail("spray"), PASSWORD, "10.1.3.2")).status).toBe(401);
  });

  it("clears an account's failures when its owner logs in", async () => {
    const api = await limits({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "3", LOGIN_FAILURES_PER_ACCOUNT: "3" });
    const email = await account(api, "forgetful");
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) expect((await login(api, email, "wrong-password", "10.1.4.1")).status).toBe(401);
      expect((await login(api, email, PASSWORD, "10.1.4.1")).status).toBe(200);
    }
  });

  it("lets no more parallel guesses through than the limit", async () => {
    const api = await limits({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "3" });
    const email = await account(api, "parallel");
    const guesses = await Promise.all(
      Array.from({ length: 12 }, () => login(api, email, "wrong-password", "10.1.5.1")),
    );
    const statuses = guesses.map((g) => g.status).sort();
    expect(statuses).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
  });
});

describe("client address behind a proxy (TRUST_PROXY)", () => {
  it("counts a client by the address its proxy saw, however it rotates the leftmost X-Forwarded-For entry", async () => {
    const api = await makeApp(ctx, { env: { LOGIN_FAILURES_PER_ADDRESS: "3", TRUST_PROXY: "1" } });
    const attempt = (i: number) =>
      api.call("POST", "/v1/auth/login", {
        body: { email: uniqueEmail("rotate"), password: PASSWORD },
        headers: from(`172.20.0.${i}, 10.3.0.1`),
      });
    for (let i = 0; i < 3; i++) expect((await attempt(i)).status).toBe(401);
    expect((await attempt(9)).status).toBe(429);
  });

  it("never lets a client lock out the address it names", async () => {
    const api = await makeApp(ctx, { env: { LOGIN_FAILURES_PER_ADDRESS: "3", TRUST_PROXY: "1" } });
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
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: i } }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429]);
    // The window is a second, started by the first submission: retry within it.
    expect(answers[3]?.headers.get("retry-after")).toBe("1");
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
