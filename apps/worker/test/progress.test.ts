// A handler's progress reports: each one reaches the job's event stream at once (the real api), while the job's record
// is written at most about once a second and shows the last report.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { MongoClient } from "mongodb";
import type { HandlerContext } from "../src/handlers/types";
import { apiUser, startWorker, stopAndScan, submit, waitFor } from "./support";

let ctx: TestContext;
let api: AppProcess;
let watched: MongoClient;
const progressWrites: number[] = [];

beforeAll(async () => {
  ctx = await createTestContext("progress");
  api = await spawnApp("api", { ...ctx.env, LOG_LEVEL: "warn" });
  // The worker's own client, whose commands the test counts.
  watched = new MongoClient(ctx.mongoUrl, { monitorCommands: true });
  watched.on("commandStarted", (e) => {
    const set = (e.command.updates as { u?: { $set?: object } }[] | undefined)?.[0]?.u?.$set;
    if (e.commandName === "update" && set && "progress" in set) progressWrites.push(Date.now());
  });
  await watched.connect();
});
afterAll(async () => {
  expect(await stopAndScan([api], ["password123"])).toEqual([]);
  await watched.close();
  await ctx.cleanup();
});

describe("progress", () => {
  it("streams every report at once, and writes the record at most about once a second, ending with the last", async () => {
    // The echo handler, reporting 0, 5, ... 100 % every 60 ms before it answers.
    const reporting = async (payload: unknown, job: HandlerContext) => {
      for (let p = 0; p <= 100; p += 5) {
        job.progress(p, `step ${p / 5}`);
        await Bun.sleep(60);
      }
      return payload;
    };
    const worker = await startWorker(ctx, {
      handlers: { echo: reporting },
      db: watched.db(ctx.dbName),
      jobTimeoutMs: 10_000,
    });
    try {
      const user = await apiUser(api);
      const job = (await user.call("POST", "/v1/jobs", { type: "echo", payload: "p" })).body;
      const events = await fetch(`${api.url}/v1/jobs/${job.id}/events`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      const seen: { status: string; percent?: number; at: number }[] = [];
      const decoder = new TextDecoder();
      let rest = "";
      for await (const bytes of events.body as ReadableStream<Uint8Array>) {
        const frames = (rest + decoder.decode(bytes, { stream: true })).split("\n\n");
        rest = frames.pop() ?? "";
        for (const frame of frames) {
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (!data) continue;
          const view = JSON.parse(data) as { status: string; progress?: { percent: number } };
          seen.push({ status: view.status, percent: view.progress?.percent, at: Date.now() });
        }
      }
      const reports = seen.filter((e) => e.status === "running" && e.percent !== undefined);
      expect(reports.map((e) => e.percent)).toEqual(Array.from({ length: 21 }, (_, i) => i * 5));
      // They came as they happened, not in one burst at the end: spread over most of the run's 1.2 s.
      expect((reports.at(-1)?.at as number) - (reports[0]?.at as number)).toBeGreaterThan(800);
      expect(seen.at(-1)?.status).toBe("succeeded");

      // 21 reports over about 1.3 s: a couple of coalesced writes and the last one, never one per report.
      expect(progressWrites.length).toBeGreaterThanOrEqual(2);
      expect(progressWrites.length).toBeLessThanOrEqual(4);
      const doc = (await ctx.db.collection<JobDoc>("jobs").findOne({ _id: job.id })) as JobDoc;
      expect(doc.progress).toMatchObject({ percent: 100, message: "step 20" });
      const view = (await user.call("GET", `/v1/jobs/${job.id}`)).body;
      expect(view.progress).toMatchObject({ percent: 100, message: "step 20" });
      expect(typeof view.progress.at).toBe("string");
    } finally {
      await worker.stop();
    }
  }, 30_000);

  it("clamps a report to 0-100 and keeps the message short", async () => {
    const wild = async (_: unknown, job: HandlerContext) => {
      job.progress(250, "x".repeat(1_000));
      return null;
    };
    const worker = await startWorker(ctx, { handlers: { echo: wild }, queueName: `${ctx.queueName}-clamp` });
    try {
      const job = await submit(ctx, worker.queue, { payload: 1 });
      const done = await waitFor(async () => {
        const doc = await ctx.db.collection<JobDoc>("jobs").findOne({ _id: job._id });
        return doc?.status === "succeeded" ? doc : null;
      });
      expect(done.progress?.percent).toBe(100);
      expect(done.progress?.message?.length).toBe(200);
    } finally {
      await worker.stop();
    }
  }, 20_000);
});
