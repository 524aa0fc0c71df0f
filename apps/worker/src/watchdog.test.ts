import { describe, expect, it } from "bun:test";
import { createWatchdog } from "./watchdog";

describe("watchdog", () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it("counts nothing as stalled while every step is within its bound", async () => {
    const c = clock();
    const dog = createWatchdog({ stallMs: 1_000, jobTimeoutMs: 5_000, takeTimeoutMs: 2_000, now: c.now });
    let finish!: () => void;
    const run = dog.watch("run", () => new Promise<void>((resolve) => (finish = resolve)));
    c.advance(5_900);
    expect(dog.stalled()).toBeNull();
    finish();
    await run;
    c.advance(60_000);
    expect(dog.stalled()).toBeNull();
  });

  it("names a take that never settles once it is past its blocking timeout and the stall bound", () => {
    const c = clock();
    const dog = createWatchdog({ stallMs: 1_000, jobTimeoutMs: 5_000, takeTimeoutMs: 2_000, now: c.now });
    void dog.watch("take", () => new Promise(() => {}));
    c.advance(2_900);
    expect(dog.stalled()).toBeNull();
    c.advance(200);
    expect(dog.stalled()).toEqual({ step: "take", seconds: 3 });
  });

  it("gives a run its job timeout on top, and names the step furthest past its bound", () => {
    const c = clock();
    const dog = createWatchdog({ stallMs: 1_000, jobTimeoutMs: 5_000, takeTimeoutMs: 2_000, now: c.now });
    void dog.watch("run", () => new Promise(() => {}));
    c.advance(3_000);
    expect(dog.stalled()).toBeNull();
    void dog.watch("settle", () => new Promise(() => {}));
    c.advance(3_500);
    // The run is 500 ms past its 6 s bound, the settle 2.5 s past its 1 s one.
    expect(dog.stalled()).toEqual({ step: "settle", seconds: 4 });
  });

  it("forgets a step that failed", async () => {
    const c = clock();
    const dog = createWatchdog({ stallMs: 1_000, jobTimeoutMs: 5_000, takeTimeoutMs: 2_000, now: c.now });
    await dog.watch("settle", async () => Promise.reject(new Error("redis away"))).catch(() => {});
    c.advance(10_000);
    expect(dog.stalled()).toBeNull();
  });
});
