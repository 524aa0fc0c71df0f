import { describe, expect, it } from "bun:test";
import { decodeEnvelope, encodeSequenced, encodeUnsequenced } from "./envelope";

const job = {
  id: "0123456789abcdef01234567",
  line: "q",
  type: "echo",
  enqueuedAt: 1_700_000_000_000,
  requestId: "r-1",
};

describe("envelope", () => {
  it("round-trips through the form enqueue.lua writes", () => {
    const raw = encodeSequenced({ ...job, seq: 42 });
    expect(raw.startsWith('{"seq":42,')).toBe(true);
    expect(decodeEnvelope(raw)).toEqual({ ...job, seq: 42 });
    expect(raw).toBe(`{"seq":42,${encodeUnsequenced(job).slice(1)}`);
  });

  it("carries a group's line", () => {
    const raw = encodeSequenced({ ...job, line: "g:0123456789abcdef01234567:orders.eu-1", seq: 1 });
    expect(decodeEnvelope(raw)?.line).toBe("g:0123456789abcdef01234567:orders.eu-1");
  });

  it.each([
    ["not JSON", "{oops"],
    ["a JSON string", '"hello"'],
    ["no seq", JSON.stringify(job)],
    ["a bad id", '{"seq":1,"id":"../../etc","line":"q","type":"echo","enqueuedAt":1}'],
    ["a negative seq", '{"seq":-1,"id":"0123456789abcdef01234567","line":"q","type":"echo","enqueuedAt":1}'],
    ["no line", '{"seq":1,"id":"0123456789abcdef01234567","type":"echo","enqueuedAt":1}'],
    [
      "a line that is no line id",
      '{"seq":1,"id":"0123456789abcdef01234567","line":"x}y","type":"echo","enqueuedAt":1}',
    ],
  ])("rejects %s", (_name, raw) => {
    expect(decodeEnvelope(raw)).toBeNull();
  });
});
