// Tests for the `http` handler against local Bun servers on 127.0.0.1; nothing here leaves the machine.
import { afterAll, afterEach, beforeEach, describe, expect, it, mock, spyOn } from "bun:test";
import * as dns from "node:dns/promises";
import type { HttpPayload } from "@lineup/jobs";
import { silentLogger } from "@lineup/log";
import { type HttpResult, http } from "./http";
import { type HandlerContext, JobError } from "./types";

type Seen = { path: string; method: string; headers: Record<string, string>; body: string };
let seen: Seen[] = [];

const chunk = new Uint8Array(16 * 1024).fill(97);

const target = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const { pathname } = new URL(req.url);
    seen.push({ path: pathname, method: req.method, headers: Object.fromEntries(req.headers), body: await req.text() });
    const [, route, arg] = pathname.split("/");
    switch (route) {
      case "ok":
        return new Response("hello", { headers: { "x-test": "yes" } });
      case "status":
        return new Response("nope", { status: Number(arg) });
      case "slow":
        await Bun.sleep(2000);
        return new Response("late");
      case "big":
        return new Response("x".repeat(100 * 1024));
      case "stall":
        return new Response(new ReadableStream({ start: (c) => c.enqueue(chunk), pull: () => Bun.sleep(5000) }));
      case "endless":
        return new Response(new ReadableStream({ pull: (c) => c.enqueue(chunk) }));
      case "chain": {
        const left = Number(arg);
        return Response.redirect(left === 0 ? "/ok" : `/chain/${left - 1}`, 302);
      }
      case "redirect":
        return new Response(null, { status: Number(arg), headers: { Location: "/ok" } });
      case "away":
        return Response.redirect(`${other.url}ok`, 302);
      default:
        return new Response("not found", { status: 404 });
    }
  },
});

// A second origin, to see what crosses an origin boundary on redirect.
const other = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    seen.push({ path: "other", method: req.method, headers: Object.fromEntries(req.headers), body: "" });
    return new Response("other");
  },
});

const base = `http://127.0.0.1:${target.port}`;

afterAll(() => {
  target.stop(true);
  other.stop(true);
});

beforeEach(() => {
  seen = [];
});

afterEach(() => {
  mock.restore();
});

function ctx(overrides: Partial<HandlerContext> = {}): HandlerContext {
  return {
    jobId: "job-123",
    attempt: 1,
    signal: new AbortController().signal,
    log: silentLogger,
    progress: () => {},
    trace: { call: () => ({ headers: {}, end: () => {} }) },
    // The test targets listen on loopback.
    allowedNetworks: ["127.0.0.0/8"],
    ...overrides,
  };
}

function payload(path: string, extra: Partial<HttpPayload> = {}): HttpPayload {
  return { url: `${base}${path}`, method: "GET", timeoutMs: 5000, ...extra };
}

async function run(p: HttpPayload, c: HandlerContext = ctx()): Promise<HttpResult> {
  return (await http(p, c)) as HttpResult;
}

async function failure(p: HttpPayload, c: HandlerContext = ctx()): Promise<JobError> {
  const err = await http(p, c).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JobError);
  return err as JobError;
}

describe("http handler", () => {
  it("returns status, headers and body, and sends the job id as Idempotency-Key", async () => {
    const result = await run(payload("/ok"));
    expect(result).toEqual({
      status: 200,
      headers: expect.objectContaining({ "x-test": "yes" }),
      body: "hello",
      truncated: false,
    });
    expect(seen[0]?.headers["idempotency-key"]).toBe("job-123");
  });

  it("sends the method, headers and body, and the job id wins over a caller's Idempotency-Key", async () => {
    await run(
      payload("/ok", { method: "POST", body: '{"a":1}', headers: { "X-One": "1", "idempotency-key": "mine" } }),
    );
    expect(seen[0]).toMatchObject({ method: "POST", body: '{"a":1}' });
    expect(seen[0]?.headers).toMatchObject({
      "x-one": "1",
      "idempotency-key": "job-123",
      host: `127.0.0.1:${target.port}`,
    });
  });

  it("fails a 4xx at once, without secrets in the message", async () => {
    const err = await failure(
      payload("/status/404", { method: "POST", headers: { Authorization: "Bearer s3cret" }, body: "secret-body" }),
    );
    expect(err).toMatchObject({ code: "http_4xx", retryable: false, message: "target answered 404" });
    expect(err.message).not.toContain("s3cret");
    expect(err.message).not.toContain("secret-body");
  });

  it.each([408, 429])("retries a %i, which means not now rather than never", async (status) => {
    const err = await failure(payload(`/status/${status}`));
    expect([err.code, err.retryable]).toEqual(["http_4xx", true]);
  });

  it("returns a 3xx without a Location as the result", async () => {
    expect(await run(payload("/status/300"))).toMatchObject({ status: 300, body: "nope", truncated: false });
  });

  it("retries a 5xx", async () => {
    const err = await failure(payload("/status/503"));
    expect(err).toMatchObject({ code: "http_5xx", retryable: true });
  });

  it("retries a refused connection as network_error", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}/`;
    closed.stop(true);
    const err = await failure({ url, method: "GET", timeoutMs: 5000 });
    expect(err).toMatchObject({ code: "network_error", retryable: true });
  });

  it("retries a timeout", async () => {
    const started = Date.now();
    const err = await failure(payload("/slow", { timeoutMs: 100 }));
    expect(err).toMatchObject({ code: "timeout", retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("retries a timeout that hits while the body is still coming", async () => {
    const err = await failure(payload("/stall", { timeoutMs: 200 }));
    expect(err).toMatchObject({ code: "timeout", retryable: true });
  });

  it("stops when the job's own signal is aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await failure(payload("/slow"), ctx({ signal: controller.signal }));
    expect(err).toMatchObject({ code: "aborted", retryable: true });
  });

  it("caps the body at 64 KiB and says so", async () => {
    const result = await run(payload("/big"));
    expect(result.body.length).toBe(64 * 1024);
    expect(result.truncated).toBe(true);
  });

  it("stops reading an endless body at the cap", async () => {
    const result = await run(payload("/endless", { timeoutMs: 2000 }));
    expect(result).toMatchObject({ status: 200, truncated: true });
    expect(result.body.length).toBe(64 * 1024);
  });

  it("refuses a loopback target unless its network is allowed", async () => {
    const err = await failure(payload("/ok"), ctx({ allowedNetworks: [] }));
    expect(err).toMatchObject({ code: "target_refused", retryable: false });
    const byName = await failure(
      { ...payload("/ok"), url: `http://localhost:${target.port}/ok` },
      ctx({ allowedNetworks: ["10.0.0.0/8"] }),
    );
    expect(byName.code).toBe("target_refused");
    expect(seen).toEqual([]);
    expect((await run(payload("/ok"), ctx({ allowedNetworks: ["127.0.0.1/32"] }))).status).toBe(200);
  });
});

describe("http handler body", () => {
  it("sends a JSON body as JSON with content-type application/json", async () => {
    await run(payload("/ok", { method: "POST", body: { order: 42, items: ["a", null], ok: true } }));
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ order: 42, items: ["a", null], ok: true });
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
  });

  it("sends any JSON value, arrays, numbers and null included, as JSON", async () => {
    for (const body of [[1, 2], 7, false, null]) {
      seen = [];
      await run(payload("/ok", { method: "PUT", body }));
      expect(seen[0]?.body).toBe(JSON.stringify(body));
      expect(seen[0]?.headers["content-type"]).toBe("application/json");
    }
  });

  it("keeps the content-type the payload names for a JSON body", async () => {
    await run(
      payload("/ok", { method: "POST", body: { a: 1 }, headers: { "Content-Type": "application/vnd.api+json" } }),
    );
    expect(seen[0]?.headers["content-type"]).toBe("application/vnd.api+json");
    expect(seen[0]?.body).toBe('{"a":1}');
  });

  it("sends a string body as it is, without adding a content-type", async () => {
    await run(payload("/ok", { method: "POST", body: "plain words" }));
    expect(seen[0]?.body).toBe("plain words");
    expect(seen[0]?.headers["content-type"]).not.toBe("application/json");
  });

  it("drops a JSON body on GET", async () => {
    await run(payload("/ok", { method: "GET", body: { a: 1 } }));
    expect(seen[0]).toMatchObject({ method: "GET", body: "" });
    expect(seen[0]?.headers["content-type"]).toBeUndefined();
  });
});

describe("http handler redirects", () => {
  it("follows a chain of up to 5 redirects", async () => {
    const result = await run(payload("/chain/4"));
    expect(result).toMatchObject({ status: 200, body: "hello" });
    expect(seen.map((s) => s.path)).toEqual(["/chain/4", "/chain/3", "/chain/2", "/chain/1", "/chain/0", "/ok"]);
    expect(seen.every((s) => s.headers["idempotency-key"] === "job-123")).toBe(true);
  });

  it("gives up after 5 redirects", async () => {
    const err = await failure(payload("/chain/5"));
    expect(err).toMatchObject({ code: "too_many_redirects", retryable: false });
    expect(seen).toHaveLength(6);
  });

  it("turns a POST into a body-less GET on 303, 302 and 301", async () => {
    for (const status of [303, 302, 301]) {
      seen = [];
      await run(
        payload(`/redirect/${status}`, { method: "POST", body: "data", headers: { "Content-Type": "text/plain" } }),
      );
      expect(seen[1]).toMatchObject({ path: "/ok", method: "GET", body: "" });
      expect(seen[1]?.headers["content-type"]).toBeUndefined();
    }
  });

  it("keeps the method and body on 307 and 308", async () => {
    for (const status of [307, 308]) {
      seen = [];
      await run(payload(`/redirect/${status}`, { method: "PUT", body: "data" }));
      expect(seen[1]).toMatchObject({ path: "/ok", method: "PUT", body: "data" });
    }
  });

  it("drops credentials when the redirect leaves the origin", async () => {
    await run(payload("/away", { headers: { Authorization: "Bearer s3cret", "X-Keep": "1" } }));
    expect(seen[0]?.headers.authorization).toBe("Bearer s3cret");
    expect(seen[1]?.path).toBe("other");
    expect(seen[1]?.headers.authorization).toBeUndefined();
    expect(seen[1]?.headers["x-keep"]).toBe("1");
  });

  it("connects to the checked address and refuses a redirect from there to a refused one", async () => {
    // "public.test" resolves to a documentation address the test allows; fetch is faked so nothing leaves the machine.
    spyOn(dns, "lookup").mockImplementation((async () => [{ address: "203.0.113.10", family: 4 }]) as never);
    const fetchSpy = spyOn(globalThis, "fetch").mockImplementation(
      (async () => new Response(null, { status: 302, headers: { Location: `${base}/ok` } })) as never,
    );
    const err = await failure(
      { url: "http://public.test:8080/start?x=1", method: "GET", timeoutMs: 5000 },
      ctx({ allowedNetworks: ["203.0.113.0/24"] }),
    );
    expect(err).toMatchObject({ code: "target_refused", retryable: false });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0] as unknown as [URL, RequestInit];
    expect(String(url)).toBe("http://203.0.113.10:8080/start?x=1");
    expect(new Headers(init.headers).get("host")).toBe("public.test:8080");
    expect(init.redirect).toBe("manual");
    expect(seen).toEqual([]);
  });
});
