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
    // The batch route's path is not a job id's: only its own method is allowed there.
    const batch = await api.call("PUT", "/v1/jobs/batch");
    expect(batch.headers.get("allow")).toBe("POST");
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
  // biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON.
  type Json = any;
  const documented = async () => {
    const res = await api.call("GET", "/docs/json");
    expect(res.status).toBe(200);
    const doc: Json = res.body;
    // A schema as its $ref names it, so the assertions read through named components.
    const resolve = (schema: Json): Json =>
      typeof schema?.$ref === "string" ? resolve(doc.components.schemas[schema.$ref.split("/").pop()]) : schema;
    const json = (media: Json) => resolve(media.content["application/json"].schema);
    return { doc, text: res.text, resolve, json };
  };
  const operations = (doc: Json): [string, Json][] =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Json]),
    );

  it("documents every route with its request and response schemas", async () => {
    const { doc, text, resolve, json } = await documented();
    const paths = doc.paths;
    expect(Object.keys(paths).sort()).toEqual([
      "/admin",
      "/healthz",
      "/metrics",
      "/readyz",
      "/v1/admin/audit",
      "/v1/admin/groups",
      "/v1/admin/groups/{owner}/{group}",
      "/v1/admin/groups/{owner}/{group}/pause",
      "/v1/admin/groups/{owner}/{group}/resume",
      "/v1/admin/jobs",
      "/v1/admin/jobs/retry",
      "/v1/admin/jobs/{id}",
      "/v1/admin/jobs/{id}/cancel",
      "/v1/admin/jobs/{id}/retry",
      "/v1/admin/queues",
      "/v1/admin/queues/{name}/groups",
      "/v1/admin/queues/{name}/pause",
      "/v1/admin/queues/{name}/resume",
      "/v1/admin/queues/{name}/stats",
      "/v1/admin/schedules",
      "/v1/auth/login",
      "/v1/auth/logout",
      "/v1/auth/me",
      "/v1/auth/password",
      "/v1/auth/register",
      "/v1/auth/webhook-secret",
      "/v1/auth/webhook-secret/rotate",
      "/v1/events",
      "/v1/groups",
      "/v1/groups/{group}",
      "/v1/groups/{group}/pause",
      "/v1/groups/{group}/resume",
      "/v1/jobs",
      "/v1/jobs/batch",
      "/v1/jobs/{id}",
      "/v1/jobs/{id}/events",
      "/v1/schedules",
      "/v1/schedules/{id}",
    ]);
    expect(Object.keys(paths["/v1/jobs"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/v1/jobs/{id}"]).sort()).toEqual(["delete", "get"]);
    expect(paths["/v1/jobs/{id}"].get.parameters).toContainEqual(
      expect.objectContaining({ in: "query", name: "wait", schema: expect.objectContaining({ maximum: 60 }) }),
    );
    for (const path of ["/v1/jobs/{id}/events", "/v1/events"]) {
      const stream = paths[path].get;
      expect(Object.keys(stream.responses["200"].content)).toEqual(["text/event-stream"]);
      expect(stream.parameters).toContainEqual(expect.objectContaining({ in: "header", name: "last-event-id" }));
    }
    const submit = paths["/v1/jobs"].post;
    const body = json(submit.requestBody);
    const variants = body.oneOf ?? body.anyOf;
    expect(variants.map((v: { properties: { type: { const: string } } }) => v.properties.type.const).sort()).toEqual([
      "echo",
      "http",
    ]);
    expect(submit.parameters).toContainEqual(expect.objectContaining({ in: "header", name: "idempotency-key" }));
    expect(json(submit.responses["202"]).properties).toHaveProperty("seq");
    expect(paths["/v1/jobs"].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      "cursor",
      "group",
      "limit",
      "scheduleId",
      "status",
    ]);
    expect(variants[0].properties.runAt).toMatchObject({ type: "string", format: "date-time" });
    expect(variants[0].properties.delayMs).toMatchObject({ type: "integer", minimum: 0 });
    expect(Object.keys(paths["/v1/schedules/{id}"]).sort()).toEqual(["delete", "get", "patch"]);
    expect(variants[0].properties.group).toMatchObject({ type: "string", pattern: expect.any(String) });
    expect(variants[0].properties.callbackUrl).toMatchObject({ type: "string", format: "uri" });
    const batch = json(paths["/v1/jobs/batch"].post.requestBody);
    expect(batch.properties.jobs).toMatchObject({ type: "array", minItems: 1, maxItems: 100 });
    expect(resolve(batch.properties.jobs.items)).toEqual(body);

    const register = paths["/v1/auth/register"].post;
    expect(json(register.requestBody)).toMatchObject({
      type: "object",
      properties: {
        email: { type: "string", format: "email" },
        password: { type: "string", minLength: 8, maxLength: 256 },
      },
      required: ["email", "password"],
    });
    expect(json(register.responses["201"]).properties).toHaveProperty("createdAt");
    expect(json(register.responses["409"]).properties).toHaveProperty("error");
    expect(json(paths["/v1/auth/login"].post.responses["200"]).required).toEqual([
      "accessToken",
      "tokenType",
      "expiresIn",
    ]);
    expect(paths["/v1/auth/me"].get.security).toEqual([{ bearerAuth: [] }]);
    // Plain JSON Schema, not zod's internals.
    expect(text).not.toContain("_zod");
    expect(text).not.toContain("~standard");
  });

  it("names its shared schemas as components and refers to them", async () => {
    const { doc } = await documented();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "Job",
        "JobPage",
        "JobBatch",
        "NewJob",
        "NewJobBatch",
        "Error",
        "User",
        "Token",
        "Callback",
        "WebhookSecret",
      ]),
    );
    const list = doc.paths["/v1/jobs"].get.responses;
    expect(list["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/JobPage" });
    expect(doc.components.schemas.JobPage.properties.items.items).toEqual({ $ref: "#/components/schemas/Job" });
    expect(list["401"].content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    expect(JSON.stringify(doc)).not.toContain("#/$defs/");
  });

  it("says where to send requests and how to get a bearer token", async () => {
    const { doc } = await documented();
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    const bearer = doc.components.securitySchemes.bearerAuth;
    expect(bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(bearer.description).toContain("/v1/auth/register");
    expect(bearer.description).toContain("/v1/auth/login");
  });

  it("lists every error status each route answers", async () => {
    const { doc } = await documented();
    const statuses = Object.fromEntries(
      operations(doc).map(([name, op]) => [name, Object.keys(op.responses).filter((s) => s >= "400")]),
    );
    expect(statuses).toMatchObject({
      "POST /v1/auth/register": ["401", "403", "409", "413", "415", "422", "429", "503"],
      "POST /v1/auth/login": ["401", "413", "415", "422", "429", "503"],
      "POST /v1/jobs": ["401", "409", "413", "415", "422", "429", "503"],
      "POST /v1/jobs/batch": ["401", "409", "413", "415", "422", "429", "503"],
      "GET /v1/jobs": ["401", "422", "503"],
      "GET /v1/jobs/{id}": ["401", "404", "422", "429", "503"],
      "GET /v1/jobs/{id}/events": ["401", "404", "429", "503"],
      "GET /v1/events": ["401", "429", "503"],
      "GET /v1/auth/webhook-secret": ["401", "503"],
      "POST /v1/auth/webhook-secret/rotate": ["401", "503"],
      "DELETE /v1/jobs/{id}": ["401", "404", "409", "503"],
      "POST /v1/auth/password": ["401", "403", "409", "413", "415", "422", "503"],
      "GET /readyz": ["503"],
      "GET /v1/admin/queues": ["401", "403", "503"],
      "POST /v1/admin/queues/{name}/pause": ["401", "403", "404", "503"],
      "POST /v1/admin/jobs/retry": ["401", "403", "413", "415", "422", "503"],
      "POST /v1/admin/jobs/{id}/retry": ["401", "403", "404", "409", "503"],
      "POST /v1/admin/jobs/{id}/cancel": ["401", "403", "404", "409", "503"],
    });
    for (const [name, op] of operations(doc)) {
      for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
        if (status < "400") continue;
        // An error answer says what it means and shows the body the code sends.
        expect(`${name} ${status}: ${answer.description}`).toMatch(/: .*`[a-z_]+`/);
        const media = answer.content["application/json"];
        const examples = media.example ? [media.example] : Object.values(media.examples).map((e: Json) => e.value);
        for (const example of examples)
          expect(example).toEqual({ error: expect.objectContaining({ code: expect.any(String) }) });
      }
    }
  });

  it("shows an example for every request body and every answer with a body", async () => {
    const { doc } = await documented();
    const missing: string[] = [];
    for (const [name, op] of operations(doc)) {
      const medias = [
        ...Object.values(op.requestBody?.content ?? {}).map((m) => ["request", m] as const),
        ...Object.entries(op.responses as Record<string, Json>).flatMap(([status, answer]) =>
          Object.values(answer.content ?? {}).map((m) => [status, m] as const),
        ),
      ];
      for (const [where, media] of medias as [string, Json][]) {
        if (media.example === undefined && !media.examples) missing.push(`${name} ${where}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("documents the headers answers carry: X-Request-Id, Location, Retry-After and Allow", async () => {
    const { doc } = await documented();
    expect(Object.keys(doc.components.headers).sort()).toEqual(["Allow", "Location", "Retry-After", "X-Request-Id"]);
    for (const [, op] of operations(doc)) {
      for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
        expect(answer.headers["X-Request-Id"]).toEqual({ $ref: "#/components/headers/X-Request-Id" });
        if (status === "429")
          expect(answer.headers["Retry-After"]).toEqual({ $ref: "#/components/headers/Retry-After" });
      }
    }
    const submit = doc.paths["/v1/jobs"].post.responses;
    expect(submit["202"].headers.Location).toEqual({ $ref: "#/components/headers/Location" });
    expect(submit["200"].headers.Location).toEqual({ $ref: "#/components/headers/Location" });
    expect(doc.components.responses.MethodNotAllowed.headers.Allow).toEqual({ $ref: "#/components/headers/Allow" });
  });

  it("serves the docs UI at /docs under a CSP of 'self' only", async () => {
    const res = await api.call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy") as string;
    expect(csp).toStartWith("default-src 'self';");
    expect(csp).not.toMatch(/unsafe|https?:|data:|nonce-|sha256-/);
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it("serves every asset the page names from the api itself, cached for good", async () => {
    const page = (await api.call("GET", "/docs")).text;
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset).toStartWith("/docs/assets/");
      const res = await api.call("GET", asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    expect((await api.call("GET", "/docs/assets/nothing.js")).status).toBe(404);
  });
});
