// The edges a red-team run found: who a request is comes before its body, schemes are case-insensitive, and inputs
// that cannot be stored or sent as given are refused at submission, not failed later in the worker.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
let token: string;

beforeAll(async () => {
  ctx = await createTestContext("edges");
  api = await makeApp(ctx);
  const email = uniqueEmail();
  await api.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
  token = (await api.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body.accessToken;
});
afterAll(() => ctx.cleanup());

describe("authentication before the body", () => {
  it("answers 401 to an unauthenticated POST /v1/jobs with a body that is not JSON, not 422", async () => {
    const res = await api.call("POST", "/v1/jobs", {
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("never reads an unauthenticated body: one that never ends is answered 401 at once", async () => {
    // A body that would keep the api reading until BODY_TIMEOUT_MS (10 s) if it were read.
    const endless = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        await Bun.sleep(50);
        controller.enqueue(new TextEncoder().encode(" "));
      },
    });
    const started = performance.now();
    const res = await api.app.handle(
      new Request("http://localhost/v1/jobs", {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "1048576" },
        body: endless,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(401);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("still reads the bodies of register and login, which need no token", async () => {
    expect(
      (await api.call("POST", "/v1/auth/login", { raw: "{", headers: { "content-type": "application/json" } })).status,
    ).toBe(422);
  });

  it("takes the bearer scheme in any case", async () => {
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const res = await api.call("GET", "/v1/auth/me", { headers: { authorization: `${scheme} ${token}` } });
      expect(res.status).toBe(200);
    }
  });
});

describe("inputs refused at submission", () => {
  const submit = (payload: unknown) => api.call("POST", "/v1/jobs", { token, body: { type: "http", payload } });

  it("refuses http headers with a line break or NUL in a value, or a name that is not a token, naming them", async () => {
    for (const headers of [{ "x-a": "one\r\nx-injected: yes" }, { "x-a": "one\ntwo" }, { "x-a": "nul\u0000" }]) {
      const res = await submit({ url: "https://example.com/", method: "POST", headers });
      expect(res.status).toBe(422);
      expect(res.body.error.details[0].path).toStartWith("payload.headers");
    }
    const badName = await submit({ url: "https://example.com/", method: "POST", headers: { "x a": "1" } });
    expect(badName.status).toBe(422);
    const fine = await submit({ url: "https://example.com/", method: "POST", headers: { "x-a": "one two" } });
    expect(fine.status).toBe(202);
  });

  it("refuses a number beyond a double's range instead of storing null", async () => {
    const res = await api.call("POST", "/v1/jobs", {
      token,
      raw: '{"type":"echo","payload":{"n":1e400}}',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].message).toContain("too large");
    const negative = await api.call("POST", "/v1/jobs", {
      token,
      raw: '{"type":"echo","payload":[-1e400]}',
      headers: { "content-type": "application/json" },
    });
    expect(negative.status).toBe(422);
  });

  it("answers methods Bun passes on, like PURGE, with 405 in the error shape", async () => {
    const res = await api.app.handle(new Request("http://localhost/v1/jobs", { method: "PURGE" }));
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });
});
