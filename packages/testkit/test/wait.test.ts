import { describe, expect, it } from "bun:test";
import { waitFor } from "../src/wait";

describe("waitFor", () => {
  it("resolves with the condition's first truthy value", async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : null), 1_000, 1);
    expect(value).toEqual({ calls: 3 });
  });

  it("times out on the monotonic clock and says how long it waited", async () => {
    const realNow = Date.now;
    // The wall clock jumps a minute ahead on every read: a deadline kept on it would pass at once.
    let jumps = 0;
    Date.now = () => realNow() + 60_000 * ++jumps;
    const started = performance.now();
    try {
      await expect(waitFor(() => false, 200, 10)).rejects.toThrow(/200 ms allowed, \d+ ms waited/);
    } finally {
      Date.now = realNow;
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });
});
