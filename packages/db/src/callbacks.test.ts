// Webhook deliveries' claims and records against a Mongo-wire server: a delivered webhook drops an earlier attempt's
// error.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { ObjectId } from "mongodb";
import { claimDueCallback, recordCallback } from "./callbacks";
import { jobsCollection } from "./jobs";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("db-callbacks");
});
afterAll(() => ctx.cleanup());

const LEASE_MS = 60_000;

/** A final job of `ownerId` whose webhook to `url` has been due since `dueAt`, in a queue of the test's own. */
async function due(queue: string, ownerId: string, url: string, dueAt: Date): Promise<string> {
  const doc: JobDoc = {
    _id: new ObjectId().toHexString(),
    queue,
    ownerId,
    type: "echo",
    payloadJson: "1",
    status: "succeeded",
    attempts: 1,
    maxAttempts: 3,
    createdAt: dueAt,
    finishedAt: dueAt,
    callback: { url, status: "pending", attempts: 0, dueAt },
  };
  await jobsCollection(ctx.db).insertOne(doc);
  return doc._id;
}

describe("webhook deliveries", () => {
  it("drops an earlier attempt's error once the webhook is delivered", async () => {
    const queue = `q-${crypto.randomUUID()}`;
    const now = new Date();
    const id = await due(queue, "o", "https://example.com/hook", new Date(now.getTime() - 1000));
    const first = await claimDueCallback(ctx.db, { queue, now, leaseMs: LEASE_MS });
    expect(first?._id).toBe(id);
    const retry = { status: "retry" as const, error: "receiver answered 500", dueAt: now };
    expect(await recordCallback(ctx.db, { id, attempts: 1, outcome: retry })).toBe(true);
    expect((await jobsCollection(ctx.db).findOne({ _id: id }))?.callback?.lastError).toBe("receiver answered 500");

    const second = await claimDueCallback(ctx.db, { queue, now, leaseMs: LEASE_MS });
    expect(second?.callback?.attempts).toBe(2);
    const delivered = { status: "delivered" as const, at: now };
    expect(await recordCallback(ctx.db, { id, attempts: 2, outcome: delivered })).toBe(true);
    const callback = (await jobsCollection(ctx.db).findOne({ _id: id }))?.callback;
    expect(callback).toEqual({ url: "https://example.com/hook", status: "delivered", attempts: 2, deliveredAt: now });
  });
});
