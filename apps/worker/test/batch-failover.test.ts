// A batch whose lines span partitions takes one Redis step per partition. Redis dies between two of them (on a Redis
// Cluster with LINEUP_TEST_CLUSTER=1, a master killed or hung by SIGSTOP; on one Redis, redis-server killed with -9
// and started again from its AOF): every batch is all or none. One that got a 202 runs whole; one that did not leaves no job, or runs whole
// (its record won, as for a single job), never a part.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type JobDoc, lineOf, newJobRecord } from "@lineup/jobs";
import { partitionOf } from "@lineup/queue";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { ObjectId } from "mongodb";
import { apiUser, stopAndScan, waitFor } from "./support";

const ROUNDS = Number(process.env.LINEUP_DROP_ROUNDS ?? 8);
const PARTITIONS = 4;
const GROUPS = Array.from({ length: 8 }, (_, i) => `g${i}`);
const SUBMITTERS = 3;

let ctx: TestContext;
let api: AppProcess;
const running: AppProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext("batchdrop", { ownRedis: true });
  const env = {
    ...ctx.env,
    QUEUE_PARTITIONS: ctx.env.QUEUE_PARTITIONS ?? String(PARTITIONS),
    RETRY_BACKOFF_MS: "20",
    WORKER_LEASE_MS: "2000",
    RECONCILE_INTERVAL_MS: "500",
    RECONCILE_GRACE_MS: "1000",
    WORKER_ID: "w-batchdrop",
    WORKER_CONCURRENCY: "4",
    LOG_LEVEL: "error",
  };
  api = await spawnApp("api", env);
  running.push(api, await spawnApp("worker", env));
});
afterAll(async () => {
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

describe("a batch across partitions while Redis dies", () => {
  it(`is all or none across ${ROUNDS} drops`, async () => {
    const user = await apiUser(api);
    const ownerId = (await user.call("GET", "/v1/auth/me")).body.id as string;
    const partitions = Number(ctx.env.QUEUE_PARTITIONS ?? PARTITIONS);
    const spanned = new Set(GROUPS.map((g) => partitionOf(lineOf(ownerId, g, "queue"), partitions)));
    expect(spanned.size).toBeGreaterThan(1);

    const answers = new Map<number, number>(); // batch -> the api's status (0: no answer)
    let next = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let submitting = true;
      const submitters = Array.from({ length: SUBMITTERS }, async () => {
        while (submitting) {
          const batch = next++;
          const jobs = GROUPS.map((group, i) => ({ type: "echo", payload: { batch, i }, group }));
          const res = await user.call("POST", "/v1/jobs/batch", { jobs }).catch(() => ({ status: 0 }));
          answers.set(batch, res.status);
          if (res.status !== 202) await Bun.sleep(50);
        }
      });
      await Bun.sleep(100 + Math.random() * 400);
      await drop(round);
      await waitFor(() => isReady(api), 30_000, 25);
      await Bun.sleep(300);
      submitting = false;
      await Promise.all(submitters);
    }

    // Every job on record runs (a pending batch its api left is committed once RECONCILE_GRACE_MS is over).
    const jobs = ctx.db.collection<JobDoc>("jobs");
    await waitFor(async () => (await jobs.countDocuments({ status: { $ne: "succeeded" } })) === 0, 30_000, 100).catch(
      async (err) => {
        // What a failure leaves to go on: the jobs not run, as their records stand.
        const open = await jobs.find({ status: { $ne: "succeeded" } }).toArray();
        const brief = open
          .slice(0, 5)
          .map((d) => ({ id: d._id, status: d.status, seq: d.seq, pending: d.batchPending }));
        console.log("not succeeded:", open.length, brief);
        throw err;
      },
    );
    const byBatch = new Map<number, JobDoc[]>();
    for (const doc of await jobs.find({}).toArray()) {
      const { batch } = JSON.parse(doc.payloadJson) as { batch: number };
      byBatch.set(batch, [...(byBatch.get(batch) ?? []), doc]);
    }
    const refused = [...answers].filter(([, status]) => status !== 202).length;
    expect(refused).toBeGreaterThan(0); // the drops did land in the middle of batches
    for (const [batch, status] of answers) {
      const kept = byBatch.get(batch) ?? [];
      expect({ batch, status, kept: kept.length }).toEqual({
        batch,
        status,
        kept: status === 202 || kept.length > 0 ? GROUPS.length : 0,
      });
    }
  }, 600_000);

  it("runs whole a batch its api recorded and stopped before committing, once the grace is over", async () => {
    // What an api killed between the insert and its Redis steps leaves: the records, pending, and nothing in Redis.
    const user = await apiUser(api);
    const ownerId = (await user.call("GET", "/v1/auth/me")).body.id as string;
    const batch = new ObjectId().toHexString();
    const docs = GROUPS.map((group, i) => ({
      ...newJobRecord({
        id: new ObjectId().toHexString(),
        queue: ctx.queueName,
        ownerId,
        type: "echo",
        payloadJson: JSON.stringify({ left: i }),
        group,
        defaultGroup: "queue",
        defaultOnFailure: "continue",
        createdAt: new Date(),
      }),
      batchPending: batch,
    }));
    await ctx.db.collection<JobDoc>("jobs").insertMany(docs);
    const ids = docs.map((d) => d._id);
    const done = await waitFor(
      async () => {
        const found = await ctx.db
          .collection<JobDoc>("jobs")
          .find({ _id: { $in: ids } })
          .toArray();
        return found.every((d) => d.status === "succeeded") ? found : null;
      },
      15_000,
      50,
    );
    expect(done.map((d) => d.batchPending)).toEqual(ids.map(() => undefined));
    // Not before the grace (RECONCILE_GRACE_MS, 1 s here): the api might still have been on its way.
    for (const d of done) expect((d.startedAt as Date).getTime() - d.createdAt.getTime()).toBeGreaterThanOrEqual(1_000);
  }, 30_000);
});

async function drop(round: number): Promise<void> {
  if (ctx.cluster) {
    const masters = await ctx.cluster.masters();
    const victim = masters[Math.floor(Math.random() * masters.length)] as number;
    if (round % 2 === 0) {
      await ctx.cluster.kill(victim);
      await ctx.cluster.revive(victim);
      return;
    }
    // Hung rather than dead: the batch's step there waits out the api's command timeout while the steps on the other
    // masters took at once (and a worker is free to start their jobs); its replica takes over meanwhile.
    ctx.cluster.pauseNode(victim);
    await Bun.sleep(3_000);
    ctx.cluster.resumeNode(victim);
    await ctx.cluster.waitHealthy();
    return;
  }
  await ctx.redis.restart();
}

const isReady = (app: AppProcess) =>
  fetch(`${app.url}/readyz`).then(
    (r) => r.status === 200,
    () => false,
  );
