import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { ObjectId } from "mongodb";
import { isDuplicateKey } from "./errors";
import { finishJobs, insertEachJob, jobsCollection, startJobs } from "./jobs";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext("db-jobs");
});
afterAll(() => ctx.cleanup());

/** A queued job's record, as the api would insert it. */
const jobDoc = (id = new ObjectId().toHexString()): JobDoc => ({
  _id: id,
  queue: "q",
  ownerId: "o",
  type: "echo",
  payloadJson: "1",
  status: "queued",
  attempts: 0,
  maxAttempts: 3,
  createdAt: new Date(),
});

async function queued(n: number): Promise<string[]> {
  const docs = Array.from({ length: n }, () => jobDoc());
  await jobsCollection(ctx.db).insertMany(docs);
  return docs.map((d) => d._id);
}

describe("batched starts and finishes", () => {
  it("starts only the jobs still queued, and says which", async () => {
    const [a, b, c] = (await queued(3)) as [string, string, string];
    await jobsCollection(ctx.db).updateOne({ _id: b }, { $set: { status: "canceled" } });
    const now = new Date();
    const started = await startJobs(
      ctx.db,
      [a, b, c].map((id, i) => ({ id, seq: i + 1, workerId: "w", now })),
    );
    expect(started.map((d) => d?.status ?? null)).toEqual(["running", null, "running"]);
    expect(started[0]).toMatchObject({ _id: a, seq: 1, attempts: 1, workerId: "w", firstStartedAt: now });
    // Started once: the same batch again starts nothing.
    expect(
      await startJobs(ctx.db, [
        { id: a, seq: 1, workerId: "w", now },
        { id: c, seq: 3, workerId: "w", now },
      ]),
    ).toEqual([null, null]);
  });

  it("records each finish, reports a fenced-out one as false and a refused one as its error", async () => {
    const [a, b, c] = (await queued(3)) as [string, string, string];
    const now = new Date();
    await startJobs(
      ctx.db,
      [a, b, c].map((id, i) => ({ id, seq: i + 1, workerId: "w", now })),
    );
    const huge = "x".repeat(17 * 1024 * 1024); // past MongoDB's 16 MiB document limit
    // A day away: an expireAt of now lets MongoDB's TTL monitor remove a job before the read below.
    const expireAt = new Date(now.getTime() + 86_400_000);
    const results = await finishJobs(ctx.db, [
      { id: a, attempts: 1, now, expireAt, status: "succeeded", result: { ok: true } },
      { id: b, attempts: 2, now, expireAt, status: "succeeded", result: "stale attempt" },
      { id: c, attempts: 1, now, expireAt, status: "succeeded", result: huge },
    ]);
    expect(results[0]).toBe(true);
    expect(results[1]).toBe(false);
    expect(results[2]).toBeInstanceOf(Error);
    const docs = await jobsCollection(ctx.db)
      .find({ _id: { $in: [a, b, c] } })
      .toArray();
    const byId = Object.fromEntries(docs.map((d) => [d._id, d.status]));
    expect(byId).toEqual({ [a]: "succeeded", [b]: "running", [c]: "running" });
  });
});

describe("a quick run's finish", () => {
  it("records the start and the end of a job never started in one write, fenced as a start is", async () => {
    const [a, canceled, started, pending] = (await queued(4)) as [string, string, string, string];
    const jobs = jobsCollection(ctx.db);
    await jobs.updateOne({ _id: canceled }, { $set: { status: "canceled" } });
    await jobs.updateOne({ _id: pending }, { $set: { batchPending: "b" } });
    // Another run recorded its start (a slot that found this job's quick run cut short): the quick finish loses.
    await startJobs(ctx.db, [{ id: started, seq: 3, workerId: "heir", now: new Date() }]);
    const startedAt = new Date(Date.now() - 5);
    const now = new Date();
    const finish = (id: string, seq: number) => ({
      id,
      attempts: 1,
      now,
      expireAt: now,
      quick: { seq, workerId: "w", startedAt },
      status: "succeeded" as const,
      result: { ok: id },
    });
    const recorded = await finishJobs(ctx.db, [
      finish(a, 1),
      finish(canceled, 2),
      finish(started, 3),
      finish(pending, 4),
    ]);
    expect(recorded).toEqual([true, false, false, false]);
    expect(await jobs.findOne({ _id: a })).toMatchObject({
      status: "succeeded",
      resultJson: JSON.stringify({ ok: a }),
      attempts: 1,
      seq: 1,
      workerId: "w",
      startedAt,
      firstStartedAt: startedAt,
      finishedAt: now,
      history: [{ workerId: "w", startedAt, endedAt: now, outcome: "succeeded" }],
    });
    expect(await jobs.findOne({ _id: started })).toMatchObject({ status: "running", workerId: "heir", attempts: 1 });
    // Once is all: the same finish again changes nothing.
    expect(await finishJobs(ctx.db, [finish(a, 1)])).toEqual([false]);
  });
});

describe("inserts of unrelated submissions in one round trip", () => {
  it("records every job and refuses only the one whose id is taken, with a duplicate key of its own", async () => {
    const [taken] = await queued(1);
    const docs = [jobDoc(), jobDoc(taken), jobDoc()];
    const outcome = await insertEachJob(ctx.db, docs);
    expect(outcome.map((o) => o === null)).toEqual([true, false, true]);
    expect(isDuplicateKey(outcome[1])).toBe(true);
    const stored = await jobsCollection(ctx.db)
      .find({ _id: { $in: [docs[0]?._id as string, docs[2]?._id as string] } })
      .toArray();
    expect(stored).toHaveLength(2);
  });
});
