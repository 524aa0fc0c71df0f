import { describe, expect, it } from "bun:test";
import { groupCommit } from "./group-commit";

describe("group commit", () => {
  it("sends a lone call at once and groups the calls that arrive while a write is in flight", async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const write = groupCommit(async (batch: number[]) => {
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return batch.map((n) => n * 10);
    });
    const first = write(1);
    expect(batches).toEqual([[1]]);
    const rest = [write(2), write(3), write(4)];
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("fails every call of a failed write, and the next write goes out as usual", async () => {
    let fail = true;
    const write = groupCommit(async (batch: string[]) => {
      if (fail) throw new Error("store away");
      return batch;
    });
    await expect(write("a")).rejects.toThrow("store away");
    fail = false;
    expect(await write("b")).toBe("b");
  });

  it("splits a crowd into batches of at most maxBatch", async () => {
    const sizes: number[] = [];
    const write = groupCommit(async (batch: number[]) => {
      sizes.push(batch.length);
      return batch;
    }, 3);
    await Promise.all(Array.from({ length: 8 }, (_, i) => write(i)));
    expect(sizes).toEqual([1, 3, 3, 1]);
  });
});
