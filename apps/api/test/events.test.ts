// Server-Sent Events (GET /v1/jobs/{id}/events and GET /v1/events) against the real api and worker processes: the
// events and their order, resuming after a drop without losing one, heartbeats, the end of a job's stream, the
// bounds on open streams, and streams closed when the client leaves or the api stops.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { readEvents, type ServerSentEvent } from "@lineup/client";
import type { JobDoc } from "@lineup/jobs";
import { createEventLog, eventKeys } from "@lineup/queue";
import { type AppProcess, createTestContext, spawnApp, type TestContext, waitFor } from "@lineup/testkit";
import { ObjectId } from "mongodb";

let ctx: TestContext;
let api: AppProcess;
let worker: AppProcess;

const LIMITS = { SSE_HEARTBEAT_MS: "1000", SSE_STREAMS_PER_USER: "3" };

beforeAll(async () => {
  ctx = await createTestContext("events");
  api = await spawnApp("api", { ...ctx.env, ...LIMITS });
  worker = await spawnApp("worker", { ...ctx.env, WORKER_ID: "w-events", WORKER_CONCURRENCY: "2" });
});
afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await ctx.cleanup();
});

async function user(base = api.url): Promise<{ token: string; id: string }> {
  const json = { "content-type": "application/json" };
  const body = JSON.stringify({ email: `ev.${crypto.randomUUID().slice(0, 8)}@example.com`, password: "password123" });
  const { id } = (await (await fetch(`${base}/v1/auth/register`, { method: "POST", headers: json, body })).json()) as {
    id: string;
  };
  const res = await fetch(`${base}/v1/auth/login`, { method: "POST", headers: json, body });
  return { token: ((await res.json()) as { accessToken: string }).accessToken, id };
}

async function submit(token: string, job: object, base = api.url): Promise<{ id: string; status: string }> {
  const res = await fetch(`${base}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(job),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; status: string };
}

type Stream = {
  res: Response;
  events: ServerSentEvent[];
  /** Everything received, comments included. */
  raw: string;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
};

async function open(path: string, token: string, lastEventId?: string, base = api.url): Promise<Stream> {
  const aborter = new AbortController();
  const res = await fetch(`${base}${path}`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: "text/event-stream",
      ...(lastEventId ? { "last-event-id": lastEventId } : {}),
    },
    signal: aborter.signal,
  });
  const stream: Stream = { res, events: [], raw: "", ended: Promise.resolve(), close: () => aborter.abort() };
  if (res.status !== 200 || !res.body) return stream;
  const [forEvents, forRaw] = res.body.tee();
  stream.ended = (async () => {
    for await (const e of readEvents(forEvents)) stream.events.push(e);
  })().catch(() => {});
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of forRaw as unknown as AsyncIterable<Uint8Array>) stream.raw += decoder.decode(chunk);
  })().catch(() => {});
  return stream;
}

const until = (check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => waitFor(check, timeoutMs, 10);

const jobOf = (e: ServerSentEvent) => JSON.parse(e.data) as { id: string; status: string; result?: unknown };

describe("GET /v1/jobs/{id}/events", () => {
  it("sends the job as it is, each change, and ends after the final state", async () => {
    const { token } = await user();
    const job = await submit(token, { type: "echo", payload: { n: 1 }, group: "one" });
    const stream = await open(`/v1/jobs/${job.id}/events`, token);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await stream.ended;
    const seen = stream.events.map(jobOf);
    expect(seen.at(-1)).toMatchObject({ id: job.id, status: "succeeded", result: { n: 1 } });
    // It may have started before the stream opened; whatever came, it came in order, once each.
    const order = ["queued", "running", "succeeded"];
    const statuses = seen.map((j) => j.status);
    expect(statuses).toEqual(order.slice(order.indexOf(statuses[0] as string)));
    const ids = stream.events.map((e) => e.lastEventId).filter(Boolean) as string[];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("shows a job's start once, though its stream read the record after a report announced before the start", async () => {
    // The worker announces a start in a batch, after the start's write, while the handler may already report progress
    // (recorded and announced at once): a stream opened between the two reads the report on record, then the start.
    const { token, id: owner } = await user();
    const now = Date.now();
    const jobs = ctx.db.collection<JobDoc>("jobs");
    const doc = {
      _id: new ObjectId().toHexString(),
      queue: ctx.env.QUEUE_NAME as string,
      ownerId: owner,
      type: "echo",
      payloadJson: '"raced"',
      status: "running" as const,
      attempts: 1,
      maxAttempts: 3,
      createdAt: new Date(now - 100),
      startedAt: new Date(now - 50),
      workerId: "w-events",
      progress: { percent: 10, message: "early", at: new Date(now - 10) },
    };
    await jobs.insertOne(doc);
    const stream = await open(`/v1/jobs/${doc._id}/events`, token);
    await until(() => stream.events.length === 1);
    const events = createEventLog(ctx.redisClient, doc.queue, { historyLength: 100 });
    const change = { job: doc._id, owner, attempts: 1, maxAttempts: 3, startedAt: now - 50 };
    await events.publish([{ ...change, status: "running" }]);
    const finishedAt = new Date();
    await jobs.updateOne(
      { _id: doc._id },
      { $set: { status: "succeeded", resultJson: '"raced"', finishedAt }, $unset: { progress: "" } },
    );
    await events.publish([{ ...change, status: "succeeded", finishedAt: finishedAt.getTime() }]);
    await stream.ended;
    const seen = stream.events.map((e) => JSON.parse(e.data) as { status: string; progress?: { percent: number } });
    expect(seen.map((j) => [j.status, j.progress?.percent])).toEqual([
      ["running", 10],
      ["succeeded", undefined],
    ]);
  });

  it("sends a job that is final already once, and ends", async () => {
    const { token } = await user();
    const job = await submit(token, { type: "echo", payload: 2 });
    const first = await open(`/v1/jobs/${job.id}/events`, token);
    await first.ended;
    const again = await open(`/v1/jobs/${job.id}/events`, token);
    await again.ended;
    expect(again.events.map((e) => jobOf(e).status)).toEqual(["succeeded"]);
  });

  it("answers 404 for someone else's job, and 401 without a token", async () => {
    const [owner, other] = [await user(), await user()];
    const job = await submit(owner.token, { type: "echo", payload: 3 });
    const stranger = await open(`/v1/jobs/${job.id}/events`, other.token);
    expect(stranger.res.status).toBe(404);
    expect(((await stranger.res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect((await fetch(`${api.url}/v1/jobs/${job.id}/events`)).status).toBe(401);
  });
});

describe("GET /v1/events", () => {
  it("resumes after a drop with Last-Event-ID and loses no event", async () => {
    const { token, id: ownerId } = await user();
    const first = await open("/v1/events", token);
    const jobs: { id: string }[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await submit(token, { type: "echo", payload: i, group: "resume" }));
    await until(() => first.events.some((e) => jobOf(e).id === jobs[1]?.id && jobOf(e).status === "succeeded"));
    first.close();
    const lastEventId = first.events.at(-1)?.lastEventId as string;
    // While nobody listens: more changes.
    for (let i = 4; i < 8; i++) jobs.push(await submit(token, { type: "echo", payload: i, group: "resume" }));
    const last = jobs.at(-1)?.id;
    await until(async () => {
      const res = await fetch(`${api.url}/v1/jobs/${last}`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { status: string }).status === "succeeded";
    });
    const second = await open("/v1/events", token, lastEventId);
    await until(() => second.events.some((e) => jobOf(e).id === last && jobOf(e).status === "succeeded"));
    second.close();

    // Together, the two connections saw every change in the user's history, in order, each once.
    const history = await ctx.redisClient.xrange(eventKeys.history(ctx.queueName, ownerId), "-", "+");
    const got = [...first.events, ...second.events].map((e) => e.lastEventId);
    expect(got).toEqual(history.map(([id]) => id));
    // Every job: running, then succeeded.
    for (const job of jobs) {
      const mine = [...first.events, ...second.events].map(jobOf).filter((j) => j.id === job.id);
      expect(mine.map((j) => j.status)).toEqual(["running", "succeeded"]);
    }
  });

  it("gives its starting point as its first id, so a stream that drops before any change resumes losing nothing", async () => {
    const { token } = await user();
    // Something in the history already, and nothing at all: both streams start with an id.
    const used = await user();
    await submit(used.token, { type: "echo", payload: "before" });
    for (const who of [token, used.token]) {
      const first = await open("/v1/events", who);
      await until(() => /^id: \d+-\d+$/m.test(first.raw));
      first.close();
      expect(first.events).toEqual([]);
      const startId = /^id: (\d+-\d+)$/m.exec(first.raw)?.[1] as string;
      // Changes while nobody listens, then a resume from the only id the first stream gave.
      const job = await submit(who, { type: "echo", payload: "while away" });
      const second = await open("/v1/events", who, startId);
      await until(() => second.events.some((e) => jobOf(e).id === job.id && jobOf(e).status === "succeeded"));
      second.close();
      expect(second.events.filter((e) => jobOf(e).id === job.id).map((e) => jobOf(e).status)).toEqual([
        "running",
        "succeeded",
      ]);
    }
  });

  it("sends a heartbeat comment while nothing happens", async () => {
    const { token } = await user();
    const stream = await open("/v1/events", token);
    await Bun.sleep(2_300);
    stream.close();
    expect(stream.raw.match(/^: heartbeat$/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(stream.events).toEqual([]);
  });

  it("says when Last-Event-ID is older than the history kept, then sends what is kept", async () => {
    const small = await spawnApp("api", { ...ctx.env, ...LIMITS });
    try {
      const { token, id: ownerId } = await user(small.url);
      const key = eventKeys.history(ctx.queueName, ownerId);
      // Entries made and trimmed by hand: the history kept starts after the client's last id.
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await ctx.redisClient.xadd(key, "*", "c", "{}"));
      await ctx.redisClient.xtrim(key, "MAXLEN", 1);
      const stream = await open("/v1/events", token, ids[0] as string, small.url);
      await until(() => stream.raw.includes("event: truncated"));
      stream.close();
      expect(stream.events[0]).toMatchObject({ event: "truncated" });
      expect(JSON.parse(stream.events[0]?.data as string)).toEqual({ lastEventId: ids[0], oldestEventId: ids[2] });
    } finally {
      await small.stop();
    }
  });
});

describe("open streams", () => {
  const openStreams = async (base = api.url) => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^lineup_event_streams_open\{[^}]*\} (\d+)/m.exec(text)?.[1]);
  };

  it("are bounded per user (429 too_many_streams with Retry-After) and freed when the client leaves", async () => {
    const { token } = await user();
    const before = await openStreams();
    const streams = [await open("/v1/events", token), await open("/v1/events", token), await open("/v1/events", token)];
    expect(streams.map((s) => s.res.status)).toEqual([200, 200, 200]);
    const refused = await open("/v1/events", token);
    expect(refused.res.status).toBe(429);
    expect(refused.res.headers.get("retry-after")).toBe("5");
    expect(((await refused.res.json()) as { error: { code: string } }).error.code).toBe("too_many_streams");
    // Another user is not counted against this one.
    expect((await open("/v1/events", (await user()).token)).res.status).toBe(200);

    for (const s of streams) s.close();
    await until(async () => (await openStreams()) <= before + 1);
    const again = await open("/v1/events", token);
    expect(again.res.status).toBe(200);
    again.close();
  });

  it("end when the api stops, which then exits promptly", async () => {
    const own = await spawnApp("api", { ...ctx.env, ...LIMITS });
    const { token } = await user(own.url);
    const stream = await open("/v1/events", token, undefined, own.url);
    const job = await submit(token, { type: "echo", payload: 1 }, own.url);
    const waiting = fetch(`${own.url}/v1/jobs/${job.id}?wait=30`, { headers: { authorization: `Bearer ${token}` } });
    await Bun.sleep(200);
    const started = performance.now();
    expect(await own.stop("SIGTERM")).toBe(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    await stream.ended;
    expect((await waiting).status).toBe(200);
  });
});
