import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { decodeEnvelope, queueKeys } from "@lineup/queue";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { makeApp, uniqueEmail, unreachableRedis } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;

beforeAll(async () => {
  ctx = await createTestContext("jobs");
  api = await makeApp(ctx);
});
afterAll(() => ctx.cleanup());

async function userToken(): Promise<string> {
  const email = uniqueEmail("jobs");
  await api.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
  return (await api.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body.accessToken;
}

const pending = (line = "q") => ctx.redisClient.lrange(queueKeys(ctx.queueName).line(line), 0, -1);

describe("POST /v1/jobs", () => {
  it("answers 202 with the job and Location once it is in MongoDB and Redis", async () => {
    const token = await userToken();
    const res = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: { hello: "world" } } });
    expect(res.status).toBe(202);
    // Read before toMatchObject: Bun's asymmetric matchers can end up written into the received object.
    const { id, seq } = res.body as { id: string; seq: number };
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.body).toMatchObject({
      type: "echo",
      status: "queued",
      payload: { hello: "world" },
      seq: expect.any(Number),
      attempts: 0,
      maxAttempts: 3,
    });
    expect(res.headers.get("location")).toBe(`/v1/jobs/${id}`);
    const doc = await ctx.db.collection("jobs").findOne({ _id: id as never });
    expect(doc).toMatchObject({ status: "queued", seq });
    const envelopes = (await pending()).map((raw) => decodeEnvelope(raw));
    expect(envelopes.some((e) => e?.id === id && e.seq === seq)).toBe(true);
  });

  it("assigns increasing seq in submission order", async () => {
    const token = await userToken();
    const seqs = [];
    for (let i = 0; i < 5; i++) {
      seqs.push((await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: i } })).body.seq);
    }
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(5);
  });

  it.each([
    ["an unknown type", { type: "nope", payload: {} }, "type"],
    ["an http payload without a url", { type: "http", payload: { method: "GET" } }, "payload.url"],
    [
      "an http payload with a file: url",
      { type: "http", payload: { url: "file:///etc/passwd", method: "GET" } },
      "payload.url",
    ],
    ["a missing payload", { type: "echo" }, "payload"],
    ["maxAttempts over 10", { type: "echo", payload: 1, maxAttempts: 11 }, "maxAttempts"],
  ])("answers 422 for %s", async (_name, body, path) => {
    const token = await userToken();
    const res = await api.call("POST", "/v1/jobs", { token, body });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("accepts an http job whose body is any JSON value or a string, and keeps it as sent", async () => {
    const token = await userToken();
    for (const body of [{ order: 42, lines: [{ sku: "a", qty: 1 }] }, [1, "two"], 3, null, "raw text"]) {
      const payload = { url: "https://example.com/hook", method: "POST", body };
      const res = await api.call("POST", "/v1/jobs", { token, body: { type: "http", payload } });
      expect(res.status).toBe(202);
      expect(res.body.payload.body).toEqual(body);
    }
  });

  it("answers 422 for a payload nested deeper than 32 levels", async () => {
    const token = await userToken();
    let deep: unknown = "bottom";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const res = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: deep } });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: "payload", message: expect.stringContaining("32") }]);
    const flat = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: { a: { b: { c: 1 } } } } });
    expect(flat.status).toBe(202);
  });

  it("answers 422 for a payload over MAX_PAYLOAD_BYTES", async () => {
    const small = await makeApp(ctx, { env: { MAX_PAYLOAD_BYTES: "1000" } });
    const email = uniqueEmail("big");
    await small.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
    const token = (await small.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body
      .accessToken;
    const res = await small.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: "x".repeat(2000) } });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("payload");
  });

  it("stores any JSON payload, keys with dots, dollars and NUL, and nested arrays included", async () => {
    const token = await userToken();
    const payload = { "a.b": 1, $set: { $ne: null }, "nul\u0000key": "x", grid: [[1, [2]], []] };
    const res = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload } });
    expect(res.status).toBe(202);
    const read = await api.call("GET", `/v1/jobs/${res.body.id}`, { token });
    expect(read.body.payload).toEqual(payload);
  });

  it("never lets the client set status, result, owner or seq", async () => {
    const token = await userToken();
    const res = await api.call("POST", "/v1/jobs", {
      token,
      body: { type: "echo", payload: 1, status: "succeeded", result: "forged", ownerId: "x", seq: 1, attempts: 9 },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "queued", attempts: 0 });
    expect(res.body.result).toBeUndefined();
    expect(res.body.seq).not.toBe(1);
  });

  it("needs a bearer token", async () => {
    const res = await api.call("POST", "/v1/jobs", { body: { type: "echo", payload: 1 } });
    expect(res.status).toBe(401);
  });

  it("answers 503 and records nothing when Redis is down", async () => {
    const deadRedis = await unreachableRedis();
    const broken = await makeApp(ctx, { redis: deadRedis });
    const token = await userToken();
    const before = await ctx.db.collection("jobs").countDocuments();
    const res = await broken.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: "lost?" } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("unavailable");
    expect(await ctx.db.collection("jobs").countDocuments()).toBe(before);
    deadRedis.disconnect();
  });
});

describe("Idempotency-Key", () => {
  it("returns the same job with 200 on a replay and queues it once", async () => {
    const token = await userToken();
    const headers = { "idempotency-key": "order-42" };
    const first = await api.call("POST", "/v1/jobs", { token, headers, body: { type: "echo", payload: { n: 1 } } });
    const again = await api.call("POST", "/v1/jobs", { token, headers, body: { payload: { n: 1 }, type: "echo" } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const copies = (await pending()).filter((raw) => decodeEnvelope(raw)?.id === first.body.id);
    expect(copies).toHaveLength(1);
  });

  it("answers 422 idempotency_key_reused for the same key with another body", async () => {
    const token = await userToken();
    const headers = { "idempotency-key": "order-43" };
    await api.call("POST", "/v1/jobs", { token, headers, body: { type: "echo", payload: 1 } });
    const other = await api.call("POST", "/v1/jobs", { token, headers, body: { type: "echo", payload: 2 } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });

  it("keeps keys apart per user", async () => {
    const headers = { "idempotency-key": "shared-key" };
    const a = await api.call("POST", "/v1/jobs", {
      token: await userToken(),
      headers,
      body: { type: "echo", payload: 1 },
    });
    const b = await api.call("POST", "/v1/jobs", {
      token: await userToken(),
      headers,
      body: { type: "echo", payload: 1 },
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.id).not.toBe(b.body.id);
  });
});

describe("reading and canceling", () => {
  it("shows a job to its owner and 404 to everyone else, in get, list and cancel", async () => {
    const owner = await userToken();
    const stranger = await userToken();
    const job = (await api.call("POST", "/v1/jobs", { token: owner, body: { type: "echo", payload: "mine" } })).body;

    // Read back, a queued job also says where it stands in its line.
    const {
      position,
      etaSeconds: _eta,
      ...read
    } = (await api.call("GET", `/v1/jobs/${job.id}`, { token: owner })).body;
    expect(read).toEqual(job);
    expect(position).toEqual(expect.any(Number));
    const peek = await api.call("GET", `/v1/jobs/${job.id}`, { token: stranger });
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe("not_found");
    expect((await api.call("GET", "/v1/jobs", { token: stranger })).body.items).toEqual([]);
    expect((await api.call("DELETE", `/v1/jobs/${job.id}`, { token: stranger })).status).toBe(404);
    expect((await api.call("GET", `/v1/jobs/${job.id}`, { token: owner })).body.status).toBe("queued");
  });

  it("answers 404 for ids that are not ids", async () => {
    const token = await userToken();
    for (const id of ["nope", "0".repeat(25), "%24ne"]) {
      expect((await api.call("GET", `/v1/jobs/${id}`, { token })).status).toBe(404);
      expect((await api.call("DELETE", `/v1/jobs/${id}`, { token })).status).toBe(404);
    }
  });

  it("cancels a queued job once; a second cancel is 409 not_cancelable", async () => {
    const token = await userToken();
    const job = (await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1 } })).body;
    const canceled = await api.call("DELETE", `/v1/jobs/${job.id}`, { token });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ id: job.id, status: "canceled", finishedAt: expect.any(String) });
    const again = await api.call("DELETE", `/v1/jobs/${job.id}`, { token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("not_cancelable");
  });

  it("lists newest first with a cursor and a status filter", async () => {
    const token = await userToken();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: i } })).body.id);
    }
    await api.call("DELETE", `/v1/jobs/${ids[1]}`, { token });
    const page1 = await api.call("GET", "/v1/jobs?limit=2", { token });
    expect(page1.body.items.map((j: { id: string }) => j.id)).toEqual([ids[4], ids[3]]);
    const page2 = await api.call("GET", `/v1/jobs?limit=2&cursor=${page1.body.nextCursor}`, { token });
    expect(page2.body.items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    const page3 = await api.call("GET", `/v1/jobs?limit=2&cursor=${page2.body.nextCursor}`, { token });
    expect(page3.body.items.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(page3.body.nextCursor).toBeNull();
    const canceled = await api.call("GET", "/v1/jobs?status=canceled", { token });
    expect(canceled.body.items.map((j: { id: string }) => j.id)).toEqual([ids[1]]);
  });

  it.each([["limit=0"], ["limit=101"], ["limit=abc"], ["status=done"], ["cursor=not-a-cursor"]])(
    "answers 422 for ?%s",
    async (query) => {
      const token = await userToken();
      const res = await api.call("GET", `/v1/jobs?${query}`, { token });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
    },
  );
});

describe("groups", () => {
  const lineOf = async (id: string) =>
    ((await ctx.db.collection("jobs").findOne({ _id: id as never })) as { line?: string } | null)?.line;

  it("accepts a group, shows it on the job, and lists by ?group=", async () => {
    const token = await userToken();
    const a = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1, group: "orders:eu-1" } });
    expect(a.status).toBe(202);
    expect(a.body).toMatchObject({ group: "orders:eu-1", status: "queued" });
    await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 2, group: "billing" } });
    await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 3 } });
    const listed = await api.call("GET", "/v1/jobs?group=orders:eu-1", { token });
    expect(listed.body.items.map((j: { id: string }) => j.id)).toEqual([a.body.id]);
    expect((await api.call("GET", `/v1/jobs/${a.body.id}`, { token })).body.group).toBe("orders:eu-1");
    const ungrouped = (await api.call("GET", "/v1/jobs", { token })).body.items.find(
      (j: { payload: number }) => j.payload === 3,
    );
    expect(ungrouped).not.toHaveProperty("group");
  });

  it("keeps groups private: two users' groups of the same name are two lines, queued in Redis apart", async () => {
    const [alice, bob] = [await userToken(), await userToken()];
    const a = (
      await api.call("POST", "/v1/jobs", { token: alice, body: { type: "echo", payload: 1, group: "orders" } })
    ).body;
    const b = (await api.call("POST", "/v1/jobs", { token: bob, body: { type: "echo", payload: 1, group: "orders" } }))
      .body;
    const [lineA, lineB] = [await lineOf(a.id), await lineOf(b.id)];
    expect(lineA).toMatch(/^g:[0-9a-f]{24}:orders$/);
    expect(lineB).toMatch(/^g:[0-9a-f]{24}:orders$/);
    expect(lineA).not.toBe(lineB);
    expect((await pending(lineA)).map((raw) => decodeEnvelope(raw)?.id)).toEqual([a.id]);
    expect((await pending(lineB)).map((raw) => decodeEnvelope(raw)?.id)).toEqual([b.id]);
    expect((await api.call("GET", "/v1/jobs?group=orders", { token: bob })).body.items).toHaveLength(1);
  });

  it.each([
    ["an empty group", ""],
    ["a group with a space", "my group"],
    ["a group with braces (a Redis hash tag)", "{x}"],
    ["a group over 128 characters", "g".repeat(129)],
  ])("answers 422 for %s", async (_name, group) => {
    const token = await userToken();
    const res = await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1, group } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain("group");
  });

  it("puts jobs without a group in the queue's one line, or in a line per user with DEFAULT_GROUP=user", async () => {
    const token = await userToken();
    const shared = (await api.call("POST", "/v1/jobs", { token, body: { type: "echo", payload: 1 } })).body;
    expect(await lineOf(shared.id)).toBe("q");
    const perUser = await makeApp(ctx, { env: { DEFAULT_GROUP: "user" } });
    const email = uniqueEmail("per-user");
    await perUser.call("POST", "/v1/auth/register", { body: { email, password: "password123" } });
    const own = (await perUser.call("POST", "/v1/auth/login", { body: { email, password: "password123" } })).body
      .accessToken;
    const mine = (await perUser.call("POST", "/v1/jobs", { token: own, body: { type: "echo", payload: 1 } })).body;
    expect(await lineOf(mine.id)).toMatch(/^u:[0-9a-f]{24}$/);
    expect(mine).not.toHaveProperty("group");
  });

  it("counts a group in the Idempotency-Key's body: the same key with another group is a reuse", async () => {
    const token = await userToken();
    const headers = { "idempotency-key": `grp-${crypto.randomUUID()}` };
    const first = await api.call("POST", "/v1/jobs", {
      token,
      headers,
      body: { type: "echo", payload: 1, group: "a" },
    });
    expect(first.status).toBe(202);
    const replay = await api.call("POST", "/v1/jobs", {
      token,
      headers,
      body: { type: "echo", payload: 1, group: "a" },
    });
    expect(replay.status).toBe(200);
    const other = await api.call("POST", "/v1/jobs", {
      token,
      headers,
      body: { type: "echo", payload: 1, group: "b" },
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });
});
