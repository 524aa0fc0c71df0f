import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { decodeEnvelope, queueKeys } from "@lineup/queue";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail, unreachableRedis } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;

beforeAll(async () => {
  ctx = await createTestContext("batches");
  api = await makeApp(ctx);
});
afterAll(() => ctx.cleanup());

type Api = typeof api;
type Job = { id: string; seq: number; group?: string; payload: unknown; status: string };

async function userToken(app: Api = api): Promise<string> {
  const email = uniqueEmail("batch");
  await app.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
  return (await app.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body.accessToken;
}

const echoJobs = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ type: "echo", payload: { n: i }, ...extra }));
const stored = () => ctx.db.collection<{ _id: string; line: string; seq?: number }>("jobs");
const jobsInMongo = (ids: string[]) => stored().countDocuments({ _id: { $in: ids } });
const lineOf = async (id: string) => (await stored().findOne({ _id: id }))?.line as string;
const lineIds = async (line: string) =>
  (await ctx.redisClient.lrange(queueKeys(ctx.queueName).line(line), 0, -1))
    .reverse()
    .map((raw) => decodeEnvelope(raw));

describe("POST /v1/jobs/batch", () => {
  it("answers 202 with every job in submission order, with consecutive seqs, in MongoDB and in Redis", async () => {
    const token = await userToken();
    const res = await api.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(5) } });
    expect(res.status).toBe(202);
    const items = res.body.items as Job[];
    expect(items.map((j) => j.payload)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
    expect(items.every((j) => j.status === "queued")).toBe(true);
    const first = items[0]?.seq as number;
    expect(items.map((j) => j.seq)).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
    const docs = await stored()
      .find({ _id: { $in: items.map((j) => j.id) } })
      .toArray();
    expect(new Map(docs.map((d) => [d._id, d.seq]))).toEqual(new Map(items.map((j) => [j.id, j.seq])));
    const queued = (await lineIds("q")).filter((e) => items.some((j) => j.id === e?.id));
    expect(queued.map((e) => [e?.id, e?.seq])).toEqual(items.map((j) => [j.id, j.seq]));
  });

  it("keeps each group's jobs in the batch's order, with consecutive seqs", async () => {
    const token = await userToken();
    const jobs = ["a", "b", "a", "b", "a"].map((group, i) => ({ type: "echo", payload: i, group }));
    const items = (await api.call("POST", "/v1/jobs/batch", { token, body: { jobs } })).body.items as Job[];
    expect(items.map((j) => j.group)).toEqual(["a", "b", "a", "b", "a"]);
    const inA = (await lineIds(await lineOf(items[0]?.id as string))).map((e) => e?.seq);
    const inB = (await lineIds(await lineOf(items[1]?.id as string))).map((e) => e?.seq);
    expect(inA).toEqual([items[0], items[2], items[4]].map((j) => j?.seq));
    expect(inB).toEqual([items[1], items[3]].map((j) => j?.seq));
    const seqs = items.map((j) => j.seq);
    expect(Math.max(...seqs) - Math.min(...seqs)).toBe(4);
  });

  it("answers 422 naming jobs.N.field for the jobs that fail, and records none of the batch", async () => {
    const token = await userToken();
    const before = await stored().countDocuments();
    const jobs = [
      { type: "echo", payload: 1 },
      { type: "nope", payload: 1 },
      { type: "http", payload: { method: "GET" } },
      { type: "echo", payload: 1, maxAttempts: 11 },
    ];
    const res = await api.call("POST", "/v1/jobs/batch", { token, body: { jobs } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["jobs.1.type", "jobs.2.payload.url", "jobs.3.maxAttempts"]));
    expect(paths.some((p: string) => p.startsWith("jobs.0"))).toBe(false);
    expect(await stored().countDocuments()).toBe(before);
  });

  it("answers 422 at jobs.N.payload for a payload past the depth limit", async () => {
    const token = await userToken();
    let deep: unknown = "bottom";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const res = await api.call("POST", "/v1/jobs/batch", {
      token,
      body: {
        jobs: [
          { type: "echo", payload: 1 },
          { type: "echo", payload: deep },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: "jobs.1.payload", message: expect.stringContaining("32") }]);
  });

  it.each([
    ["no jobs", 0],
    ["101 jobs", 101],
  ])("answers 422 for a batch of %s", async (_name, n) => {
    const token = await userToken();
    const res = await api.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(n) } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain("jobs");
  });

  it("needs a bearer token", async () => {
    const res = await api.call("POST", "/v1/jobs/batch", { body: { jobs: echoJobs(1) } });
    expect(res.status).toBe(401);
  });

  it("answers 503 for a batch of 100 when Redis is unreachable, and leaves nothing behind", async () => {
    const deadRedis = await unreachableRedis();
    const broken = await makeApp(ctx, { redis: deadRedis });
    const token = await userToken();
    const before = await stored().countDocuments();
    const res = await broken.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(100) } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("unavailable");
    expect(await stored().countDocuments()).toBe(before);
    deadRedis.disconnect();
  });
});

describe("POST /v1/jobs/batch with Idempotency-Key", () => {
  it("returns the same jobs with 200 on a replay and queues them once", async () => {
    const token = await userToken();
    const headers = { "idempotency-key": `batch-${crypto.randomUUID()}` };
    const body = { jobs: echoJobs(3, { group: "replayed" }) };
    const first = await api.call("POST", "/v1/jobs/batch", { token, headers, body });
    const again = await api.call("POST", "/v1/jobs/batch", { token, headers, body });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const ids = (first.body.items as Job[]).map((j) => j.id);
    expect(await jobsInMongo(ids)).toBe(3);
    expect((await lineIds(await lineOf(ids[0] as string))).map((e) => e?.id)).toEqual(ids);
  });

  it("answers 422 idempotency_key_reused for the same key with another batch", async () => {
    const token = await userToken();
    const headers = { "idempotency-key": `batch-${crypto.randomUUID()}` };
    await api.call("POST", "/v1/jobs/batch", { token, headers, body: { jobs: echoJobs(2) } });
    const other = await api.call("POST", "/v1/jobs/batch", { token, headers, body: { jobs: echoJobs(3) } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });

  it("refuses one key for a single job and a batch, whichever came first", async () => {
    const token = await userToken();
    const single = { "idempotency-key": `one-${crypto.randomUUID()}` };
    expect((await api.call("POST", "/v1/jobs", { token, headers: single, body: echoJobs(1)[0] })).status).toBe(202);
    const batch = await api.call("POST", "/v1/jobs/batch", { token, headers: single, body: { jobs: echoJobs(1) } });
    expect(batch.body.error.code).toBe("idempotency_key_reused");

    const batched = { "idempotency-key": `many-${crypto.randomUUID()}` };
    expect(
      (await api.call("POST", "/v1/jobs/batch", { token, headers: batched, body: { jobs: echoJobs(2) } })).status,
    ).toBe(202);
    const one = await api.call("POST", "/v1/jobs", { token, headers: batched, body: echoJobs(1)[0] });
    expect(one.body.error.code).toBe("idempotency_key_reused");
  });
});

describe("batches and limits", () => {
  it("counts every job of a batch against the submission rate limit", async () => {
    const limited = await makeApp(ctx, { env: { SUBMIT_RATE_LIMIT: "5" } });
    const token = await userToken(limited);
    expect((await limited.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(3) } })).status).toBe(202);
    const over = await limited.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(3) } });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("rate_limited");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("refuses a batch that would take the user past the queued quota, whole", async () => {
    const capped = await makeApp(ctx, { env: { MAX_QUEUED_PER_USER: "5" } });
    const token = await userToken(capped);
    expect((await capped.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(4) } })).status).toBe(202);
    const before = await stored().countDocuments();
    const over = await capped.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(2) } });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("quota_exceeded");
    expect(await stored().countDocuments()).toBe(before);
    expect((await capped.call("POST", "/v1/jobs/batch", { token, body: { jobs: echoJobs(1) } })).status).toBe(202);
  });
});
