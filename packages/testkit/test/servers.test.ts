import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import Redis from "ioredis";
import { MongoServerError } from "mongodb";
import { requireBinary } from "../src/binaries";
import { createTestContext, MissingBinaryError, namespace, type TestContext } from "../src/index";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("kit");
});
afterAll(() => ctx.cleanup());

describe("Mongo-wire server", () => {
  it("surfaces a unique index violation as a duplicate-key error", async () => {
    const users = ctx.db.collection("users");
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: "a@example.com" });
    const err = await users.insertOne({ email: "a@example.com" }).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
  });

  it("lets exactly one of 20 concurrent conditional updates win", async () => {
    const jobs = ctx.db.collection<{ _id: string; status: string; by?: number }>("jobs");
    await jobs.insertOne({ _id: "job-1", status: "queued" });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        jobs.findOneAndUpdate({ _id: "job-1", status: "queued" }, { $set: { status: "running", by: i } }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await jobs.findOne({ _id: "job-1" })).toMatchObject({ status: "running" });
  });

  it("applies every field of a filter that names an _id, by itself or in a list", async () => {
    const jobs = ctx.db.collection<{ _id: string; status: string; attempts: number }>("fenced");
    await jobs.insertMany([
      { _id: "a", status: "running", attempts: 2 },
      { _id: "b", status: "queued", attempts: 0 },
    ]);
    // Fenced on a stale attempt: the _id matches, the rest does not, so nothing changes.
    expect(
      (await jobs.updateOne({ _id: "a", status: "running", attempts: 1 }, { $set: { status: "x" } })).modifiedCount,
    ).toBe(0);
    expect(
      (await jobs.updateOne({ _id: "a", status: "running", attempts: 2 }, { $set: { status: "done" } })).modifiedCount,
    ).toBe(1);
    const queued = await jobs.find({ _id: { $in: ["a", "b"] }, status: "queued" }).toArray();
    expect(queued.map((d) => d._id)).toEqual(["b"]);
    expect(await jobs.findOneAndUpdate({ _id: "b", status: "running" }, { $set: { attempts: 9 } })).toBeNull();
  });
});

describe("redis-server", () => {
  it("runs privately with AOF on", async () => {
    expect(await ctx.redisClient.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    expect(await ctx.redisClient.config("GET", "appendfsync")).toEqual(["appendfsync", "everysec"]);
    expect(ctx.redis.port).not.toBe(6379);
  });

  it("round-trips LPUSH, BLMOVE and LREM in FIFO order", async () => {
    const pending = `lineup:{${ctx.queueName}}:pending`;
    const processing = `lineup:{${ctx.queueName}}:processing:w1`;
    await ctx.redisClient.lpush(pending, "a", "b", "c");
    const blocking = new Redis(ctx.redisUrl);
    try {
      const taken: string[] = [];
      for (let i = 0; i < 3; i++) {
        const item = await blocking.blmove(pending, processing, "RIGHT", "LEFT", 1);
        expect(await ctx.redisClient.lrange(processing, 0, -1)).toEqual([item as string]);
        expect(await ctx.redisClient.lrem(processing, 1, item as string)).toBe(1);
        taken.push(item as string);
      }
      expect(taken).toEqual(["a", "b", "c"]);
      expect(await blocking.blmove(pending, processing, "RIGHT", "LEFT", 0.1)).toBeNull();
    } finally {
      blocking.disconnect();
    }
  });

  it("keeps acknowledged writes across a kill and restart (AOF everysec)", async () => {
    const key = `lineup:{${ctx.queueName}}:durable`;
    await ctx.redisClient.set(key, "kept");
    await Bun.sleep(1_100); // everysec: the AOF is fsynced within a second
    await ctx.redis.restart();
    const fresh = new Redis(ctx.redisUrl);
    try {
      expect(await fresh.get(key)).toBe("kept");
    } finally {
      fresh.disconnect();
    }
  });
});

describe("test kit", () => {
  it("gives each caller its own database and queue name", () => {
    const a = namespace("x");
    const b = namespace("x");
    expect(a.dbName).not.toBe(b.dbName);
    expect(a.queueName).not.toBe(b.queueName);
  });

  it("names the install command when a server binary is missing", () => {
    expect(() => requireBinary("no-such-server-binary", "apt-get install -y no-such")).toThrow(MissingBinaryError);
    expect(() => requireBinary("no-such-server-binary", "apt-get install -y no-such")).toThrow(
      /apt-get install -y no-such/,
    );
  });
});
