// Request bodies as an attacker sends them: wrong or missing media types, bytes that are not UTF-8, text that is not
// Unicode, JSON nested beyond any use, and bodies that never finish arriving.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
let token: string;

const PASSWORD = "password123";
const json = { "content-type": "application/json" };

beforeAll(async () => {
  ctx = await createTestContext("bodies");
  api = await makeApp(ctx, { env: { BODY_TIMEOUT_MS: "300" } });
  const email = uniqueEmail("bodies");
  await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
  token = (await api.call("POST", "/v1/auth/login", { body: { email, password: PASSWORD } })).body.accessToken;
});
afterAll(() => ctx.cleanup());

const submit = (raw: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = json) =>
  api.app
    .handle(
      new Request("http://localhost/v1/jobs", {
        method: "POST",
        headers: { ...headers, authorization: `Bearer ${token}` },
        body: raw,
      }),
    )
    .then(async (res) => ({ status: res.status, body: (await res.json()) as { error: { code: string } } }));

const echoJob = JSON.stringify({ type: "echo", payload: { hello: "world" } });

describe("content types", () => {
  it.each([
    "", // a JSON body sent without a content type
    "application/merge-patch+json",
    "application/vnd.evil+json",
    "text/plain",
    "application/json; charset=latin1",
    "application/jsonx",
  ])("answers 415 for the content type %p", async (type) => {
    const res = await submit(echoJob, type ? { "content-type": type } : {});
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it.each([
    "application/json",
    "Application/JSON",
    "application/json; charset=utf-8",
    'application/json;charset="UTF-8"',
  ])("accepts %p", async (type) => {
    expect((await submit(echoJob, { "content-type": type })).status).toBe(202);
  });
});

describe("text", () => {
  it("answers 422 for a body that is not valid UTF-8, instead of storing replacement characters", async () => {
    const head = new TextEncoder().encode('{"type":"echo","payload":"caf');
    const tail = new TextEncoder().encode('"}');
    const res = await submit(new Uint8Array([...head, 0xe9, ...tail]));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
  });

  it.each([
    ["a string", '{"type":"echo","payload":"\\ud800"}'],
    ["a key", '{"type":"echo","payload":{"\\udfff":1}}'],
    ["a nested string", '{"type":"echo","payload":[[{"a":"ok \\ud83d"}]]}'],
  ])("answers 422 for a lone surrogate in %s", async (_where, raw) => {
    const res = await submit(raw);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
  });

  it("accepts escaped surrogate pairs, which are whole characters", async () => {
    expect((await submit('{"type":"echo","payload":"\\ud83d\\ude00"}')).status).toBe(202);
  });
});

describe("nesting", () => {
  it.each([
    ["arrays", "[", "]"],
    ["objects", '{"a":', "}"],
  ])("answers 422 for a payload of %s nested 100,000 levels, and stays up", async (_kind, open, close) => {
    const raw = `{"type":"echo","payload":${open.repeat(100_000)}1${close.repeat(100_000)}}`;
    const res = await submit(raw);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect((await api.call("GET", "/healthz")).status).toBe(200);
  });

  it("counts brackets inside strings as text, not as nesting", async () => {
    const res = await submit(JSON.stringify({ type: "echo", payload: "[".repeat(10_000) }));
    expect(res.status).toBe(202);
  });

  it("answers 422 for a deep body on any route, before validation", async () => {
    const raw = `{"email":${"[".repeat(50_000)}${"]".repeat(50_000)},"password":"${PASSWORD}"}`;
    const res = await api.call("POST", "/v1/auth/login", { raw, headers: json });
    expect(res.status).toBe(422);
    expect(res.text).not.toContain(PASSWORD);
  });
});

describe("slow bodies", () => {
  it("answers 408 request_timeout when the body stops arriving", async () => {
    const res = await api.app.handle(
      new Request("http://localhost/v1/auth/login", {
        method: "POST",
        headers: json,
        // Sends half a body and then nothing, as a slowloris client does.
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"email":'));
          },
        }),
      }),
    );
    expect(res.status).toBe(408);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("request_timeout");
    expect(res.headers.get("connection")).toBe("close");
  });

  it("reads a body that arrives in pieces within the time", async () => {
    const email = uniqueEmail("pieces");
    await api.call("POST", "/v1/auth/register", { body: { email, password: PASSWORD } });
    const text = JSON.stringify({ email, password: PASSWORD });
    const res = await api.app.handle(
      new Request("http://localhost/v1/auth/login", {
        method: "POST",
        headers: json,
        body: new ReadableStream<Uint8Array>({
          async start(controller) {
            for (const part of [text.slice(0, 10), text.slice(10)]) {
              controller.enqueue(new TextEncoder().encode(part));
              await Bun.sleep(50);
            }
            controller.close();
          },
        }),
      }),
    );
    expect(res.status).toBe(200);
  });
});
