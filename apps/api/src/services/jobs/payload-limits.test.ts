// Tests for the payload limits: exact JSON size, depth, and no recursion whatever the value.
import { describe, expect, it } from "bun:test";
import { AppError } from "@lineup/errors";
import fc from "fast-check";
import { checkPayloadLimits, MAX_PAYLOAD_DEPTH } from "./payload-limits";

function failure(payload: unknown, maxBytes: number): AppError | undefined {
  try {
    checkPayloadLimits(payload, maxBytes);
    return undefined;
  } catch (err) {
    return err as AppError;
  }
}

describe("checkPayloadLimits", () => {
  it("measures exactly the bytes JSON.stringify writes", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const size = Buffer.byteLength(JSON.stringify(value));
        expect(failure(value, size)).toBeUndefined();
        expect(failure(value, size - 1)?.details).toEqual([
          { path: "payload", message: expect.stringContaining("bytes") },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a value nested 100,000 levels with 422, without overflowing the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { d: deep };
    const err = failure(deep, 1_000_000);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 422, code: "validation_failed" });
    expect(err?.details).toEqual([{ path: "payload", message: `Must nest at most ${MAX_PAYLOAD_DEPTH} levels deep` }]);
  });

  it("accepts exactly MAX_PAYLOAD_DEPTH levels", () => {
    let value: unknown = "leaf";
    for (let i = 1; i < MAX_PAYLOAD_DEPTH; i++) value = [value];
    expect(failure(value, 10_000)).toBeUndefined();
    expect(failure([value], 10_000)?.code).toBe("validation_failed");
  });

  it("counts multi-byte characters and escapes as stored", () => {
    expect(failure({ é: "😀\n" }, Buffer.byteLength(JSON.stringify({ é: "😀\n" })))).toBeUndefined();
    expect(failure("\u0000", 7)?.code).toBe("validation_failed");
  });
});
