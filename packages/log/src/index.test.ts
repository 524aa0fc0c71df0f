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
});
