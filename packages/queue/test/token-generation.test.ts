// Tests for the token-generation cache: it only ever moves forward, and it expires.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { authKeys } from "../src/keys";
import { raiseTokenGeneration } from "../src/token-generation";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("tokengen");
});
afterAll(() => ctx.cleanup());

const user = () => `user-${crypto.randomUUID()}`;

describe("raiseTokenGeneration", () => {
  it("caches a generation where none is, with the time to live", async () => {
    const id = user();
    expect(await raiseTokenGeneration(ctx.redisClient, id, 0, 60)).toBe(0);
    expect(await ctx.redisClient.get(authKeys.generation(id))).toBe("0");
    expect(await ctx.redisClient.ttl(authKeys.generation(id))).toBeGreaterThan(50);
  });

  it("moves forward and never back, whatever order the writes land in", async () => {
    const id = user();
    await raiseTokenGeneration(ctx.redisClient, id, 2, 60);
    expect(await raiseTokenGeneration(ctx.redisClient, id, 1, 60)).toBe(2);
    expect(await raiseTokenGeneration(ctx.redisClient, id, 0, 60)).toBe(2);
    expect(await raiseTokenGeneration(ctx.redisClient, id, 3, 60)).toBe(3);
    expect(await ctx.redisClient.get(authKeys.generation(id))).toBe("3");
  });
});
