import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, unreachableRedis } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;

beforeAll(async () => {
  ctx = await createTestContext("http");
  api = await makeApp(ctx, { env: { BODY_LIMIT_BYTES: "2048" } });
});
afterAll(() => ctx.cleanup());

describe("errors", () => {
  it("answers unknown routes with 404 not_found in the error shape", async () => {
    const res = await api.call("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });

  it("answers 405 with Allow for a known path and an unsupported method", async () => {
    const res = await api.call("PUT", "/v1/jobs/0123456789abcdef01234567");
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, DELETE");
    const trace = await api.call("PATCH", "/healthz");
    expect(trace.headers.get("allow")).toBe("GET");
  });

  it("answers 413 payload_too_large past the body limit, by Content-Length", async () => {
    const res = await api.call("POST", "/v1/auth/register", {
      raw: JSON.stringify({ email: "a@example.com", password: "x".repeat(5000) }),
      headers: { "content-type": "application/json", "content-length": "5040" },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("answers 413 for a streamed body that grows past the limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await api.app.handle(
      new Request("http://localhost/v1/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("answers 415 for a body that is not JSON", async () => {
    const res = await api.call("POST", "/v1/auth/register", {
      raw: "email=a%40example.com&password=hunter2hunter2",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
    expect(res.text).not.toContain("hunter2");
  });

  it("answers 422 for an empty body on a route that needs one", async () => {
    const res = await api.call("POST", "/v1/auth/login", { headers: { "content-type": "application/json" } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
  });
});

describe("security headers and CORS", () => {
  it("sends JSON-API security headers on every response, errors included", async () => {
    for (const path of ["/healthz", "/no-such-route"]) {
      const res = await api.call("GET", path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
  });

  it("sends no CORS headers unless CORS_ORIGINS is set", async () => {
    const res = await api.call("GET", "/healthz", { headers: { origin: "https://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows only the configured origins, preflight included", async () => {
    const open = await makeApp(ctx, { env: { CORS_ORIGINS: "https://app.example.com" } });
    const preflight = await open.call("OPTIONS", "/v1/jobs", {
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const other = await open.call("GET", "/healthz", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("request id", () => {
  it("makes one when the client sends none", async () => {
    const res = await api.call("GET", "/healthz");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("echoes a well-formed client id, also on errors", async () => {
    const ok = await api.call("GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    const err = await api.call("GET", "/nope", { headers: { "x-request-id": "abc-124" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    expect(err.headers.get("x-request-id")).toBe("abc-124");
  });

  it("replaces an id that could smuggle text into logs", async () => {
    const res = await api.call("GET", "/healthz", { headers: { "x-request-id": 'a b"c' } });
    expect(res.headers.get("x-request-id")).not.toBe('a b"c');
  });
});

describe("probes", () => {
  it("GET /healthz answers 200 ok", async () => {
    const res = await api.call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("GET /readyz answers 200 when MongoDB and Redis answer", async () => {
    const res = await api.call("GET", "/readyz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: "ready",
      checks: { mongo: "ok", redis: "ok" },
      queue: { name: ctx.queueName, paused: false },
    });
  });

  it("GET /readyz answers 503 naming Redis when Redis does not answer", async () => {
    const deadRedis = await unreachableRedis();
    const broken = await makeApp(ctx, { redis: deadRedis });
    const started = performance.now();
    const res = await broken.call("GET", "/readyz");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("unavailable");
    expect(res.body.error.message).toContain("redis");
    expect(res.body.error.details).toEqual([{ dependency: "redis", status: "down" }]);
    deadRedis.disconnect();
  });
});

describe("OpenAPI", () => {
  it("documents every route with its request and response schemas", async () => {
    const res = await api.call("GET", "/docs/json");
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths).sort()).toEqual([
      "/admin",
      "/healthz",
      "/metrics",
      "/readyz",
      "/v1/admin/audit",
      "/v1/admin/jobs",
      "/v1/admin/jobs/retry",
      "/v1/admin/jobs/{id}",
      "/v1/admin/jobs/{id}/cancel",
      "/v1/admin/jobs/{id}/retry",
      "/v1/admin/queues",
      "/v1/admin/queues/{name}/groups",
      "/v1/admin/queues/{name}/pause",
      "/v1/admin/queues/{name}/resume",
      "/v1/auth/login",
      "/v1/auth/logout",
      "/v1/auth/me",
      "/v1/auth/password",
      "/v1/auth/register",
      "/v1/jobs",
      "/v1/jobs/{id}",
    ]);
    expect(Object.keys(paths["/v1/jobs"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/v1/jobs/{id}"]).sort()).toEqual(["delete", "get"]);
    const submit = paths["/v1/jobs"].post;
    const body = submit.requestBody.content["application/json"].schema;
    const variants = body.oneOf ?? body.anyOf;
    expect(variants.map((v: { properties: { type: { const: string } } }) => v.properties.type.const).sort()).toEqual([
      "echo",
      "http",
    ]);
    expect(submit.parameters).toContainEqual(expect.objectContaining({ in: "header", name: "idempotency-key" }));
    expect(submit.responses["202"].content["application/json"].schema.properties).toHaveProperty("seq");
    expect(paths["/v1/jobs"].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      "cursor",
      "group",
      "limit",
      "status",
    ]);
    expect(variants[0].properties.group).toMatchObject({ type: "string", pattern: expect.any(String) });

    const register = paths["/v1/auth/register"].post;
    expect(register.requestBody.content["application/json"].schema).toMatchObject({
      type: "object",
      properties: {
        email: { type: "string", format: "email" },
        password: { type: "string", minLength: 8, maxLength: 256 },
      },
      required: ["email", "password"],
    });
    expect(register.responses["201"].content["application/json"].schema.properties).toHaveProperty("createdAt");
    expect(register.responses["409"].content["application/json"].schema.properties).toHaveProperty("error");
    expect(paths["/v1/auth/login"].post.responses["200"].content["application/json"].schema.required).toEqual([
      "accessToken",
      "tokenType",
      "expiresIn",
    ]);
    expect(paths["/v1/auth/me"].get.security).toEqual([{ bearerAuth: [] }]);
    // Plain JSON Schema, not zod's internals.
    expect(res.text).not.toContain("_zod");
    expect(res.text).not.toContain("~standard");
  });

  it("serves the docs UI at /docs", async () => {
    const res = await api.call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
  });
});
