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
