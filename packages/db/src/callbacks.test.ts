// Webhook deliveries' claims and records against a Mongo-wire server: claims take the longest due past the owners and
// receivers skipped, and a delivered webhook drops an earlier attempt's error.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type JobDoc, pendingCallback } from "@lineup/jobs";
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

/**
 * A final job of `ownerId` whose webhook to `url` has been due since `dueAt`, in a queue of the test's own; `legacy`
 * stores it as webhooks were stored before they had a target.
 */
async function due(queue: string, ownerId: string, url: string, dueAt: Date, legacy = false): Promise<string> {
  const { target: _absentBefore, ...legacyCallback } = pendingCallback(url);
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
    callback: { ...(legacy ? legacyCallback : pendingCallback(url)), dueAt },
  };
  await jobsCollection(ctx.db).insertOne(doc);
  return doc._id;
}

describe("webhook deliveries", () => {
  it("claims the longest due past the owners and receivers skipped, and one without a target past none", async () => {
    const queue = `q-${crypto.randomUUID()}`;
    const now = Date.now();
    const at = (ago: number) => new Date(now - ago);
    const noisy = [4, 3, 2].map((s) => due(queue, "noisy", "https://hang.example/hook", at(s * 1000)));
    const [n1, n2, n3] = await Promise.all(noisy);
    const shared = await due(queue, "other", "https://HANG.example:443/other", at(1500));
    const quiet = await due(queue, "quiet", "http://ok.example/hook", at(1000));
    const legacy = await due(queue, "old", "https://hang.example/old", at(500), true);
    const claim = (skipOwners: string[], skipTargets: string[]) =>
      claimDueCallback(ctx.db, { queue, now: new Date(now), leaseMs: LEASE_MS, skipOwners, skipTargets });

    expect((await claim([], []))?._id).toBe(n1);
    expect((await claim(["noisy"], []))?._id).toBe(shared);
    expect((await claim(["noisy"], ["hang.example:443"]))?._id).toBe(quiet);
    // Nothing left but a receiver skipped: only the webhook stored without a target.
    expect((await claim([], ["hang.example:443"]))?._id).toBe(legacy);
    expect(await claim([], ["hang.example:443"])).toBeNull();
    // The claimed ones are leased: not due again until the lease ends.
    expect((await claim([], []))?._id).toBe(n2);
    expect((await claim([], []))?._id).toBe(n3);
    expect(await claim([], [])).toBeNull();
  });

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
    expect(callback).toEqual({
      url: "https://example.com/hook",
      target: "example.com:443",
      status: "delivered",
      attempts: 2,
      deliveredAt: now,
    });
  });
});
