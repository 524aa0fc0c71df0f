// The api process over a raw socket: requests no HTTP client library would send, as an attacker does.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";

let ctx: TestContext;
let api: AppProcess;

beforeAll(async () => {
  ctx = await createTestContext("rawhttp");
  api = await spawnApp("api", { ...ctx.env, BODY_TIMEOUT_MS: "500" });
});
afterAll(async () => {
  await api?.stop("SIGKILL");
  await ctx.cleanup();
});

type Exchange = { status: number; headers: string; body: string; closed: boolean };

/** Writes `request` as is and reads until the server closes the connection or `waitMs` passes. */
async function exchange(request: string, waitMs = 5_000): Promise<Exchange> {
  let received = "";
  let closed = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: api.port,
    socket: {
      data(_socket, chunk) {
        received += chunk.toString();
      },
      close() {
        closed = true;
        done();
      },
    },
  });
  socket.write(request);
  await Promise.race([finished, Bun.sleep(waitMs)]);
  socket.end();
  const [head = "", body = ""] = received.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1] ?? 0), headers: head.toLowerCase(), body, closed };
}

const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

describe("raw HTTP", () => {
  it("answers a body that stops arriving with 408 in the error shape and closes the connection", async () => {
    const res = await exchange(
      'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em',
    );
    expect(res.status).toBe(408);
    expect(errorCode(res.body)).toBe("request_timeout");
    expect(res.closed).toBe(true);
  });

  it("answers a request without a Host header with 400 in the error shape", async () => {
    for (const request of ["GET /healthz HTTP/1.0\r\n\r\n", "GET /v1/jobs HTTP/1.1\r\nHost: \r\n\r\n"]) {
      const res = await exchange(request, 2_000);
      expect(res.status).toBe(400);
      expect(errorCode(res.body)).toBe("bad_request");
    }
  });

  it("answers TRACE with 405 or 404 in the error shape, never echoing the request", async () => {
    const res = await exchange("TRACE /v1/jobs HTTP/1.1\r\nHost: x\r\nCookie: secret=1\r\nConnection: close\r\n\r\n");
    expect(res.status).toBe(405);
    expect(errorCode(res.body)).toBe("method_not_allowed");
    expect(res.body).not.toContain("secret");
  });

  // Bun's HTTP parser answers these before any JavaScript runs and offers no hook to shape them (docs/security.md).
  it("leaves smuggling-shaped requests to Bun, which refuses them and closes the connection", async () => {
    const res = await exchange(
      "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    expect(res.status).toBe(400);
    expect(res.closed).toBe(true);
  });
});
