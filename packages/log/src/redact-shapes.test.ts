import { describe, expect, it } from "bun:test";
import { createLogger } from "./index";

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NjVmMWM5ZThiM2Q0YTAwMTJhMWIyYzMiLCJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl";

function logged(msg: string, fields: Record<string, unknown>): string {
  const lines: string[] = [];
  createLogger({ write: (l) => lines.push(l) }).warn(msg, fields);
  return lines.join("\n");
}

describe("redaction by shape", () => {
  it("cuts a JWT out of any string, message and fields alike, under any key", () => {
    const line = logged(`token ${JWT} refused`, { note: `Bearer ${JWT}`, nested: { deeper: [JWT] } });
    expect(line).not.toContain("eyJhbGciOiJIUzI1NiIs");
    expect(line).toContain("token [redacted] refused");
    expect(line).toContain("Bearer [redacted]");
  });

  it("cuts webhook secrets, whsec_ keys, out of any string", () => {
    const line = logged("rotated", { detail: "old whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw kept 24h" });
    expect(line).not.toContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    expect(line).toContain("old [redacted] kept");
  });

  it("cuts the password out of a URL's credentials, keeping the user and the host readable", () => {
    const line = logged("redis connection error", {
      error: new Error("connect ECONNREFUSED redis://lineup:s3cr3t-pw@redis.internal:6379"),
      url: "mongodb://app:p%40ss@db-0:27017,db-1:27017/lineup?replicaSet=rs0",
    });
    expect(line).not.toContain("s3cr3t-pw");
    expect(line).not.toContain("p%40ss");
    expect(line).toContain("redis://lineup:[redacted]@redis.internal:6379");
    expect(line).toContain("mongodb://app:[redacted]@db-0:27017");
  });

  it("leaves what merely looks close alone: ids, plain URLs, emails", () => {
    const line = logged("job 665f1c9e8b3d4a0012a1b2c3 sent", {
      url: "https://example.com/hook?x=1",
      email: "someone@example.com",
    });
    expect(line).toContain("665f1c9e8b3d4a0012a1b2c3");
    expect(line).toContain("https://example.com/hook?x=1");
    expect(line).toContain("someone@example.com");
  });
});
