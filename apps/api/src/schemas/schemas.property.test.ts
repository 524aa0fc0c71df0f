// Property tests for the request schemas: whatever a client sends, parsing answers (never throws), and what it
// accepts is normalized the way the rest of the code assumes.
import { describe, expect, it } from "bun:test";
import fc from "fast-check";
import { CredentialsSchema } from "./auth";
import { ListJobsQuerySchema, SubmitJobSchema } from "./jobs";

describe("request schemas (property)", () => {
  it("never throw on any JSON value, and accept only well-formed credentials", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = CredentialsSchema.safeParse(value);
        if (parsed.success) {
          expect(parsed.data.email).toBe(parsed.data.email.trim().toLowerCase());
          expect(parsed.data.password.length).toBeGreaterThanOrEqual(8);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("normalize any accepted email idempotently", () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom("", " ", "  "), fc.boolean(), (email, pad, upper) => {
        const input = `${pad}${upper ? email.toUpperCase() : email}${pad}`;
        const once = CredentialsSchema.safeParse({ email: input, password: "password123" });
        if (!once.success) return;
        const twice = CredentialsSchema.safeParse({ email: once.data.email, password: "password123" });
        expect(twice.success && twice.data.email).toBe(once.data.email);
      }),
      { numRuns: 300 },
    );
  });

  it("accept any JSON payload for echo, and never let other fields through", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), (payload, extra) => {
        const parsed = SubmitJobSchema.safeParse({ ...extra, type: "echo", payload });
        expect(parsed.success).toBe(payload !== undefined);
        if (parsed.success) {
          expect(Object.keys(parsed.data).every((k) => ["type", "payload", "maxAttempts"].includes(k))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never throw on arbitrary submissions, and accept only known types", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = SubmitJobSchema.safeParse(value);
        if (parsed.success) expect(["echo", "http"]).toContain(parsed.data.type);
      }),
      { numRuns: 500 },
    );
  });

  it("keep list limits within 1..100 whatever the query string says", () => {
    fc.assert(
      fc.property(fc.string(), (limit) => {
        const parsed = ListJobsQuerySchema.safeParse({ limit });
        if (parsed.success) expect(parsed.data.limit >= 1 && parsed.data.limit <= 100).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
