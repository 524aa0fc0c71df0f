import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type AppProcess,
  compileApp,
  createTestContext,
  freePort,
  REPO_ROOT,
  spawnApp,
  type TestContext,
} from "@lineup/testkit";

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

  it("refuses a body over the limit with 413 in the error shape, however large", async () => {
    for (const size of [2 * 1024 * 1024, 12 * 1024 * 1024]) {
      const res = await post("/v1/auth/register", { email: "big@example.com", password: "x".repeat(size) });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    }
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

describe("logs", () => {
  it("never carry a password, a bcrypt hash, a token or the signing secret", async () => {
    const email = `secrets.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = "correct horse battery staple";
    const newPassword = "another horse battery staple";
    await post("/v1/auth/register", { email, password });
    const login = (await (await post("/v1/auth/login", { email, password })).json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${login.accessToken}` };
    await fetch(`${api.url}/v1/auth/me`, { headers: auth });
    await post("/v1/auth/login", { email, password: "wrong password guess" });
    await post("/v1/auth/register", { email: "x", password: "short" });
    const changed = (await (
      await post("/v1/auth/password", { currentPassword: password, newPassword }, auth)
    ).json()) as {
      accessToken: string;
    };
    await post("/v1/auth/logout", {}, { authorization: `Bearer ${changed.accessToken}` });
    await Bun.sleep(100);
    const logs = api.lines.join("\n");
    expect(api.lines.length).toBeGreaterThan(5);
    for (const secret of [
      password,
      newPassword,
      "wrong password guess",
      login.accessToken,
      changed.accessToken,
      "$2b$",
    ]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain("test-secret-that-is-at-least-32-bytes-long");
  });
});

describe("container healthcheck", () => {
  it("answers --healthcheck with exit 0 while the api is up, 1 when nothing listens", async () => {
    const check = (port: number) =>
      Bun.spawn(["bun", "apps/api/src/index.ts", "--healthcheck"], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...ctx.env, PORT: String(port), JWT_SECRET: "x".repeat(40) },
        stdout: "ignore",
        stderr: "ignore",
      }).exited;
    expect(await check(api.port)).toBe(0);
    expect(await check(await freePort())).toBe(1);
  });

  it("compiles to one binary (bun build --compile, as the image does) that serves the same app", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "lineup-bin-")), "lineup-api");
    const build = compileApp("api", out);
    expect(build.exitCode).toBe(0);
    const port = await freePort();
    const proc = Bun.spawn([out], {
      env: {
        ...ctx.env,
        PATH: process.env.PATH ?? "",
        PORT: String(port),
        HOST: "127.0.0.1",
        JWT_SECRET: "x".repeat(40),
      },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      let ready = false;
      for (let i = 0; i < 200 && !ready; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await Bun.sleep(25);
      }
      expect(ready).toBe(true);
      const docs = (await (await fetch(`http://127.0.0.1:${port}/docs/json`)).json()) as { paths: object };
      expect(Object.keys(docs.paths)).toContain("/v1/jobs");
      // The reference's viewer, loaded on first use, is in the binary too, its assets under their hashed names.
      const page = await (await fetch(`http://127.0.0.1:${port}/docs`)).text();
      const asset = /src="(\/docs\/assets\/[^"]+)"/.exec(page)?.[1];
      expect(asset).toBeDefined();
      expect((await fetch(`http://127.0.0.1:${port}${asset}`)).status).toBe(200);
      // The console's files are embedded in the binary, not read from the source tree.
      const script = await fetch(`http://127.0.0.1:${port}/admin/assets/console.js`);
      expect(script.status).toBe(200);
      expect(await script.text()).toContain("/v1/admin/queues");
    } finally {
      proc.kill();
      await proc.exited;
      rmSync(dirname(out), { recursive: true, force: true });
    }
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
