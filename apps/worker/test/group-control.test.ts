// Groups paused, halted by a failure and resumed, through the real api and worker processes, with http jobs against a
// local target that records the order it sees them in.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, grantAdmin, spawnApp, type TestContext } from "@lineup/testkit";
import { apiUser, stopAndScan, waitFor } from "./support";

let ctx: TestContext;
let env: Record<string, string>;
const running: AppProcess[] = [];

/** A target that answers /ok/<name> after a moment, /fail/<name> with 400 while failing is on; /hook takes webhooks. */
const target = (() => {
  const seen: string[] = [];
  const hooks: { event?: string; id: string; status: string }[] = [];
  let failing = true;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const [, kind, name] = new URL(req.url).pathname.split("/");
      if (kind === "hook") {
        hooks.push(await req.json());
        return new Response(null, { status: 204 });
      }
      seen.push(name as string);
      await Bun.sleep(150);
      return kind === "fail" && failing ? new Response("no", { status: 400 }) : Response.json({ ok: name });
    },
  });
  return {
    url: (kind: "ok" | "fail" | "hook", name: string) => `http://127.0.0.1:${server.port}/${kind}/${name}`,
    seen,
    hooks,
    heal: () => {
      failing = false;
    },
    reset: () => {
      seen.length = 0;
      hooks.length = 0;
      failing = true;
    },
    stop: () => server.stop(true),
  };
})();

beforeEach(async () => {
  ctx = await createTestContext("groups", { ownRedis: true });
  env = {
    ...ctx.env,
    LOG_LEVEL: "warn",
    WORKER_ID: "w-groups",
    WORKER_CONCURRENCY: "4",
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    RETRY_BACKOFF_MS: "20",
    WEBHOOK_RETRY_BASE_MS: "100",
  };
  target.reset();
});
afterEach(async () => {
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});
afterAll(() => target.stop());

async function start(app: "api" | "worker"): Promise<AppProcess> {
  const p = await spawnApp(app, env);
  running.push(p);
  return p;
}

const jobs = () => ctx.db.collection<JobDoc>("jobs");
const statusOf = async (id: string) => (await jobs().findOne({ _id: id }))?.status;
const http = (kind: "ok" | "fail", name: string, extra: Record<string, unknown> = {}) => ({
  type: "http",
  payload: { url: target.url(kind, name), method: "POST" },
  ...extra,
});

describe("pause and resume", () => {
  it("lets the running job finish, starts no more of the group, still accepts submissions, and runs others", async () => {
    const api = await start("api");
    await start("worker");
    const user = await apiUser(api);
    const ids: string[] = [];
    for (const name of ["a1", "a2", "a3"])
      ids.push((await user.call("POST", "/v1/jobs", http("ok", name, { group: "a" }))).body.id);
    // a1 runs: its call reached the target (a run this short need not show as running on record).
    await waitFor(async () => target.seen.includes("a1"), 5_000, 5);
    const paused = await user.call("POST", "/v1/groups/a/pause");
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ group: "a", state: "paused" });
    // Submissions are accepted while paused; another group runs on.
    ids.push((await user.call("POST", "/v1/jobs", http("ok", "a4", { group: "a" }))).body.id);
    const other = (await user.call("POST", "/v1/jobs", http("ok", "b1", { group: "b" }))).body.id;
    await waitFor(async () => (await statusOf(other)) === "succeeded", 5_000, 20);
    await waitFor(async () => (await statusOf(ids[0] as string)) === "succeeded", 5_000, 20);
    await Bun.sleep(1_000);
    expect(await statusOf(ids[1] as string)).toBe("queued");
    expect((await user.call("GET", "/v1/groups/a")).body).toMatchObject({ state: "paused", queued: 3, running: 0 });
    expect(
      (await user.call("GET", "/v1/groups?state=paused")).body.items.map((g: { group: string }) => g.group),
    ).toEqual(["a"]);

    const resumed = await user.call("POST", "/v1/groups/a/resume");
    expect(resumed.body.state).toBe("active");
    await waitFor(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === "succeeded"), 10_000, 50);
    expect(target.seen.filter((n) => n.startsWith("a"))).toEqual(["a1", "a2", "a3", "a4"]);
  }, 40_000);

  it("keeps groups private: another user's group of the same name is theirs alone", async () => {
    const api = await start("api");
    await start("worker");
    const [me, them] = [await apiUser(api), await apiUser(api)];
    await me.call("POST", "/v1/groups/shared/pause");
    const theirs = (await them.call("POST", "/v1/jobs", http("ok", "t1", { group: "shared" }))).body.id;
    await waitFor(async () => (await statusOf(theirs)) === "succeeded", 5_000, 20);
    expect((await them.call("GET", "/v1/groups/shared")).body.state).toBe("active");
    expect((await me.call("GET", "/v1/groups/shared")).body.state).toBe("paused");
  }, 30_000);
});

describe("halt on failure", () => {
  async function haltedGroup(user: Awaited<ReturnType<typeof apiUser>>) {
    const failing = (await user.call("POST", "/v1/jobs", http("fail", "h1", { group: "h", onFailure: "halt" }))).body;
    expect(failing.onFailure).toBe("halt");
    const later = [];
    for (const name of ["h2", "h3"])
      later.push((await user.call("POST", "/v1/jobs", http("ok", name, { group: "h" }))).body.id);
    const other = (await user.call("POST", "/v1/jobs", http("ok", "o1", { group: "o" }))).body.id;
    await waitFor(async () => (await user.call("GET", "/v1/groups/h")).body.state === "halted", 10_000, 50);
    await waitFor(async () => (await statusOf(other)) === "succeeded", 5_000, 20);
    return { failed: failing.id as string, later };
  }

  it("halts the group at the failed job; resume needs a choice; retry runs it again first, with its seq", async () => {
    const api = await start("api");
    await start("worker");
    const user = await apiUser(api);
    const { failed, later } = await haltedGroup(user);
    const seqBefore = (await jobs().findOne({ _id: failed }))?.seq;
    expect((await user.call("GET", "/v1/groups/h")).body).toMatchObject({
      state: "halted",
      haltedJobId: failed,
      queued: 2,
    });
    expect(await statusOf(failed)).toBe("failed");
    await Bun.sleep(500);
    expect(await Promise.all(later.map(statusOf))).toEqual(["queued", "queued"]);

    const refused = await user.call("POST", "/v1/groups/h/resume");
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("group_halted");
    expect(refused.body.error.message).toContain(failed);
    expect(refused.body.error.message).toContain('"retry"');
    expect(refused.body.error.message).toContain('"skip"');

    target.heal();
    const resumed = await user.call("POST", "/v1/groups/h/resume", { failedJob: "retry" });
    expect(resumed.body.state).toBe("active");
    await waitFor(
      async () => (await Promise.all([failed, ...later].map(statusOf))).every((s) => s === "succeeded"),
      10_000,
      50,
    );
    const again = await jobs().findOne({ _id: failed });
    expect(again?.seq).toBe(seqBefore);
    expect(target.seen.filter((n) => n.startsWith("h"))).toEqual(["h1", "h1", "h2", "h3"]);
  }, 40_000);

  it("skip leaves the failed job failed and runs the rest in order", async () => {
    const api = await start("api");
    await start("worker");
    const user = await apiUser(api);
    const { failed, later } = await haltedGroup(user);
    const resumed = await user.call("POST", "/v1/groups/h/resume", { failedJob: "skip" });
    expect(resumed.status).toBe(200);
    await waitFor(async () => (await Promise.all(later.map(statusOf))).every((s) => s === "succeeded"), 10_000, 50);
    expect(await statusOf(failed)).toBe("failed");
    expect(target.seen.filter((n) => n.startsWith("h"))).toEqual(["h1", "h2", "h3"]);
  }, 40_000);

  it("stays halted through kill -9 of every process and a Redis that comes back empty", async () => {
    const api = await start("api");
    const worker = await start("worker");
    const email = "halted@example.com";
    const { failed, later } = await haltedGroup(await apiUser(api, email));
    for (const p of [api, worker]) {
      p.proc.kill("SIGKILL");
      await p.proc.exited;
    }
    await ctx.redis.stop();
    for (const file of await Array.fromAsync(new Bun.Glob("**/*").scan({ cwd: ctx.redis.dir, absolute: true }))) {
      await Bun.file(file).delete();
    }
    await ctx.redis.restart();
    const user = await apiUser(await start("api"), email);
    await start("worker");
    await Bun.sleep(1_500);
    expect(await Promise.all(later.map(statusOf))).toEqual(["queued", "queued"]);
    const relogged = await user.call("GET", "/v1/groups/h");
    expect(relogged.body).toMatchObject({ state: "halted", haltedJobId: failed });
    target.heal();
    await user.call("POST", "/v1/groups/h/resume", { failedJob: "retry" });
    await waitFor(
      async () => (await Promise.all([failed, ...later].map(statusOf))).every((s) => s === "succeeded"),
      10_000,
      50,
    );
    expect(target.seen.filter((n) => n.startsWith("h"))).toEqual(["h1", "h1", "h2", "h3"]);
  }, 60_000);

  it("announces group.halted on the owner's event stream and in the webhook; an admin resumes it, audited", async () => {
    const api = await start("api");
    await start("worker");
    const user = await apiUser(api);
    const stream = await fetch(`${api.url}/v1/events`, { headers: { authorization: `Bearer ${user.token}` } });
    const failing = (
      await user.call(
        "POST",
        "/v1/jobs",
        http("fail", "w1", { group: "w", onFailure: "halt", callbackUrl: target.url("hook", "w1") }),
      )
    ).body;
    const next = (await user.call("POST", "/v1/jobs", http("ok", "w2", { group: "w" }))).body.id;
    // The owner's stream says the group halted, with the job that halted it.
    const decoder = new TextDecoder();
    let text = "";
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    while (!text.includes("event: group.halted")) text += decoder.decode((await reader.read()).value);
    await reader.cancel();
    const frame = text.split("\n\n").find((f) => f.includes("event: group.halted")) as string;
    expect(JSON.parse(/^data: (.+)$/m.exec(frame)?.[1] as string)).toMatchObject({
      group: "w",
      state: "halted",
      haltedJobId: failing.id,
    });
    // So does the halting job's webhook.
    const hook = await waitFor(async () => target.hooks.find((h) => h.id === failing.id), 10_000, 50);
    expect(hook).toMatchObject({ event: "group.halted", status: "failed" });
    // Counted in the api's metrics.
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^lineup_groups_halted\{[^}]*\} 1$/m);

    // An admin sees it among every user's stopped groups and resumes it; a user cannot use the admin routes.
    const me = (await user.call("GET", "/v1/auth/me")).body;
    await apiUser(api, "ops@example.com");
    await grantAdmin(env, "ops@example.com");
    const admin = await apiUser(api, "ops@example.com");
    expect((await user.call("GET", "/v1/admin/groups")).status).toBe(403);
    const stopped = (await admin.call("GET", "/v1/admin/groups?state=halted")).body.items;
    expect(stopped).toEqual([expect.objectContaining({ ownerId: me.id, group: "w", haltedJobId: failing.id })]);
    expect((await admin.call("POST", `/v1/admin/groups/${me.id}/w/resume`)).status).toBe(409);
    const resumed = await admin.call("POST", `/v1/admin/groups/${me.id}/w/resume`, { failedJob: "skip" });
    expect(resumed.body).toMatchObject({ ownerId: me.id, group: "w", state: "active" });
    await waitFor(async () => (await statusOf(next)) === "succeeded", 10_000, 50);
    const audit = (await admin.call("GET", "/v1/admin/audit")).body.items;
    expect(audit[0]).toMatchObject({
      action: "group.resume",
      target: { ownerId: me.id, group: "w", failedJob: "skip" },
    });
  }, 40_000);

  it("refuses onFailure: halt without a group, naming the field", async () => {
    const api = await start("api");
    const user = await apiUser(api);
    const res = await user.call("POST", "/v1/jobs", { type: "echo", payload: 1, onFailure: "halt" });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("onFailure");
  }, 20_000);
});
