import { describe, expect, it } from "bun:test";
import { createLogger } from "./index";

function capture(level: "debug" | "info" | "warn" | "error" = "info") {
  const lines: string[] = [];
  const log = createLogger({ level, write: (l) => lines.push(l) });
  return { log, records: () => lines.map((l) => JSON.parse(l)) };
}

describe("createLogger", () => {
  it("writes one JSON object per line with level and message", () => {
    const { log, records } = capture();
    log.info("started", { port: 3000 });
    expect(records()).toEqual([expect.objectContaining({ level: "info", msg: "started", port: 3000 })]);
  });

  it("drops records below the configured level", () => {
    const { log, records } = capture("warn");
    log.info("quiet");
    log.error("loud");
    expect(records().map((r) => r.msg)).toEqual(["loud"]);
  });

  it("redacts passwords, tokens and secrets at any depth", () => {
    const { log, records } = capture();
    log.child({ service: "api" }).info("oops", {
      body: { email: "a@b.co", password: "hunter22!" },
      authorization: "Bearer abc",
      nested: [{ jwtSecret: "s3cr3t" }],
    });
    const line = JSON.stringify(records()[0]);
    expect(line).not.toContain("hunter22!");
    expect(line).not.toContain("Bearer abc");
    expect(line).not.toContain("s3cr3t");
    expect(records()[0]).toMatchObject({ service: "api", body: { email: "a@b.co" } });
  });

  it("keeps harmless keys that merely contain a secret word", () => {
    const { log, records } = capture();
    log.info("login", { tokenType: "Bearer", expiresIn: 3600, passwordChangedAt: "2025-01-01", hashTag: "q" });
    expect(records()[0]).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 3600,
      passwordChangedAt: "2025-01-01",
      hashTag: "q",
    });
  });

  it("redacts a secret at depth 10", () => {
    const { log, records } = capture();
    let deep: Record<string, unknown> = { token: "deep-token-value", kept: "visible" };
    for (let i = 0; i < 9; i++) deep = { level: deep };
    log.info("nested", { deep });
    const line = JSON.stringify(records()[0]);
    expect(line).not.toContain("deep-token-value");
    expect(line).toContain("visible");
  });

  it("matches secret names ignoring case, dashes and underscores", () => {
    const { log, records } = capture();
    log.info("headers", {
      headers: { Authorization: "Bearer a", "Set-Cookie": "sid=b", "X-API-Key": "c" },
      env: { JWT_SECRET: "d", METRICS_TOKEN: "e" },
      CurrentPassword: "f",
    });
    expect(records()[0]).toMatchObject({
      headers: { Authorization: "[redacted]", "Set-Cookie": "[redacted]", "X-API-Key": "[redacted]" },
      env: { JWT_SECRET: "[redacted]", METRICS_TOKEN: "[redacted]" },
      CurrentPassword: "[redacted]",
    });
  });

  it("replaces what lies past the depth cap instead of writing it", () => {
    const { log, records } = capture();
    let deep: unknown = { password: "past-the-cap", note: "past-the-cap-too" };
    for (let i = 0; i < 100; i++) deep = [deep];
    log.info("very deep", { deep });
    const line = JSON.stringify(records()[0]);
    expect(line).not.toContain("past-the-cap");
    expect(line).toContain("[too deep]");
  });

  it("writes a cyclic record once, and an object seen twice side by side twice", () => {
    const { log, records } = capture();
    const shared = { kept: 1, secret: "s" };
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    log.info("shapes", { loop, a: shared, b: shared });
    expect(records()[0]).toMatchObject({
      loop: { name: "loop", self: "[circular]" },
      a: { kept: 1, secret: "[redacted]" },
      b: { kept: 1, secret: "[redacted]" },
    });
  });

  it("writes dates, ids and bigints as their JSON form", () => {
    const { log, records } = capture();
    log.info("values", { at: new Date("2025-01-02T03:04:05.000Z"), count: 12n });
    expect(records()[0]).toMatchObject({ at: "2025-01-02T03:04:05.000Z", count: "12" });
  });
});

describe("the pretty format", () => {
  function pretty(fields: Record<string, unknown>, color = false) {
    const lines: string[] = [];
    createLogger({ format: "pretty", color, base: { service: "api" }, write: (l) => lines.push(l) }).warn(
      "request failed",
      fields,
    );
    return lines.join("");
  }

  it("writes time, level, service, message and fields as key=value on one line", () => {
    const out = pretty({ method: "GET", route: "/v1/jobs/:id", status: 500, note: "two words", durationMs: undefined });
    expect(out).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}api request failed method=GET route=\/v1\/jobs\/:id status=500 note="two words"\n$/,
    );
  });

  it("puts an error's stack on the lines below, indented", () => {
    const out = pretty({
      error: { name: "TypeError", message: "boom", stack: "TypeError: boom\n    at f (a.ts:1:1)" },
    });
    const [head, ...rest] = out.trimEnd().split("\n");
    expect(head).toEndWith('error={"name":"TypeError","message":"boom"}');
    expect(rest).toEqual(["    TypeError: boom", "        at f (a.ts:1:1)"]);
  });

  it("redacts secrets as the JSON format does", () => {
    const out = pretty({ body: { password: "hunter22!" }, headers: { authorization: "Bearer abc" } });
    expect(out).not.toContain("hunter22!");
    expect(out).not.toContain("Bearer abc");
    expect(out).toContain("[redacted]");
  });

  it("colours only when asked", () => {
    expect(pretty({})).not.toContain("\x1b[");
    expect(pretty({}, true)).toContain("\x1b[33mWARN");
  });
});
