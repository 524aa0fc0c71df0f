// Schedules through the real api and worker processes: made, read, changed and deleted by their owner only; each tick
// makes exactly one job however many apis and workers run and whatever is killed; ticks missed while nothing ran make
// one catch-up job.
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { JobDoc } from "@lineup/jobs";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";
import { apiUser, stopAndScan, waitFor } from "./support";

let ctx: TestContext;
let env: Record<string, string>;
const running: AppProcess[] = [];

beforeEach(async () => {
  ctx = await createTestContext("schedules");
  env = { ...ctx.env, LOG_LEVEL: "warn", MAX_SCHEDULES_PER_USER: "3", RECONCILE_GRACE_MS: "1000" };
});
afterEach(async () => {
  expect(await stopAndScan(running.splice(0), ["password123"])).toEqual([]);
  await ctx.cleanup();
});

async function start(app: "api" | "worker", extra: Record<string, string> = {}): Promise<AppProcess> {
  const p = await spawnApp(app, { ...env, ...extra });
  running.push(p);
  return p;
}

const everySecond = { cron: "* * * * * *", job: { type: "echo", payload: { tick: true } } };

/** The jobs a schedule made, by tick, as the owner lists them. */
async function jobsOf(user: Awaited<ReturnType<typeof apiUser>>, scheduleId: string) {
  const page = await user.call("GET", `/v1/jobs?scheduleId=${scheduleId}&limit=100`);
  return (page.body.items as { id: string; scheduledFor: string; status: string; scheduleId: string }[]).sort((a, b) =>
    a.scheduledFor.localeCompare(b.scheduledFor),
  );
}

describe("schedules", () => {
  it("are made, read, changed and deleted by their owner; others get 404", async () => {
    const api = await start("api");
    const [me, them] = [await apiUser(api), await apiUser(api)];
    const made = await me.call("POST", "/v1/schedules", {
      name: "nightly",
      cron: "30 2 * * *",
      timezone: "Europe/Berlin",
      job: { type: "echo", payload: { n: 1 }, group: "reports", maxAttempts: 2, onFailure: "halt" },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: "nightly",
      cron: "30 2 * * *",
      timezone: "Europe/Berlin",
      job: { type: "echo", payload: { n: 1 }, group: "reports", maxAttempts: 2, onFailure: "halt" },
      paused: false,
    });
    // 02:30 in Berlin is 00:30 or 01:30 UTC.
    expect(made.body.nextRunAt).toMatch(/T0[01]:30:00\.000Z$/);
    const id = made.body.id;
    expect((await me.call("GET", `/v1/schedules/${id}`)).body).toEqual(made.body);
    expect((await me.call("GET", "/v1/schedules")).body).toEqual({ items: [made.body], nextCursor: null });
    expect((await them.call("GET", `/v1/schedules/${id}`)).status).toBe(404);
    expect((await them.call("GET", "/v1/schedules")).body.items).toEqual([]);
    expect((await them.call("PATCH", `/v1/schedules/${id}`, { paused: true })).status).toBe(404);
    expect((await them.call("DELETE", `/v1/schedules/${id}`)).status).toBe(404);

    const paused = await me.call("PATCH", `/v1/schedules/${id}`, { paused: true });
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null });
    const retimed = await me.call("PATCH", `/v1/schedules/${id}`, {
      paused: false,
      cron: "0 9 * * *",
      timezone: "UTC",
    });
    expect(retimed.body).toMatchObject({ paused: false, cron: "0 9 * * *", timezone: "UTC" });
    expect(retimed.body.nextRunAt).toMatch(/T09:00:00\.000Z$/);
    expect((await me.call("DELETE", `/v1/schedules/${id}`)).status).toBe(204);
    expect((await me.call("GET", `/v1/schedules/${id}`)).status).toBe(404);
  }, 30_000);

  it("refuses a bad cron, an unknown zone, an unknown type, a bad payload and too many, naming the field", async () => {
    const api = await start("api");
    const user = await apiUser(api);
    const pathOf = async (body: unknown) => {
      const res = await user.call("POST", "/v1/schedules", body);
      expect(res.status).toBe(422);
      return res.body.error.details.map((d: { path: string }) => d.path);
    };
    const job = { type: "echo", payload: 1 };
    expect(await pathOf({ cron: "every day", job })).toEqual(["cron"]);
    expect(await pathOf({ cron: "0 0 0 1 1 * 2030", job })).toEqual(["cron"]);
    expect(await pathOf({ cron: "0 9 * * *", timezone: "Mars/Olympus", job })).toEqual(["timezone"]);
    expect(await pathOf({ cron: "0 9 * * *", job: { type: "fax", payload: 1 } })).toEqual(["job.type"]);
    expect(
      await pathOf({ cron: "0 9 * * *", job: { type: "http", payload: { url: "nope", method: "GET" } } }),
    ).toContain("job.payload.url");
    for (let i = 0; i < 3; i++)
      expect((await user.call("POST", "/v1/schedules", { cron: "0 9 * * *", job })).status).toBe(201);
    const fourth = await user.call("POST", "/v1/schedules", { cron: "0 9 * * *", job });
    expect(fourth.status).toBe(409);
    expect(fourth.body.error.code).toBe("too_many_schedules");
  }, 30_000);

  it("makes exactly one job per tick with two apis and two workers, through kill -9 of a worker", async () => {
    const api = await start("api");
    await start("api");
    await start("worker", { WORKER_ID: "w-s1" });
    let second = await start("worker", { WORKER_ID: "w-s2" });
    const user = await apiUser(api);
    const made = await user.call("POST", "/v1/schedules", everySecond);
    await Bun.sleep(2_500);
    second.proc.kill("SIGKILL");
    await second.proc.exited;
    second = await start("worker", { WORKER_ID: "w-s2" });
    await Bun.sleep(2_500);
    await user.call("PATCH", `/v1/schedules/${made.body.id}`, { paused: true });
    await Bun.sleep(1_200);
    const made_ = await jobsOf(user, made.body.id);
    const ticks = made_.map((j) => Date.parse(j.scheduledFor));
    // One job per tick: no tick twice, and no second skipped while the schedule ran.
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < ticks.length; i++) expect((ticks[i] as number) - (ticks[i - 1] as number)).toBe(1_000);
    expect(made_.every((j) => j.scheduleId === made.body.id)).toBe(true);
    await waitFor(async () => (await jobsOf(user, made.body.id)).every((j) => j.status === "succeeded"), 10_000, 100);
    const stored = await ctx.db.collection<JobDoc>("jobs").countDocuments({ scheduleId: made.body.id });
    expect(stored).toBe(ticks.length);
  }, 40_000);

  it("makes one catch-up job for the latest of the ticks missed while no worker ran, then goes on schedule", async () => {
    const api = await start("api");
    const user = await apiUser(api);
    const made = await user.call("POST", "/v1/schedules", everySecond);
    // Longer than the 10 s a late tick is still made in.
    await Bun.sleep(11_500);
    const started = Date.now();
    await start("worker");
    const first = await waitFor(async () => {
      const jobs = await jobsOf(user, made.body.id);
      return jobs.length ? jobs : null;
    }, 10_000);
    // The first job is for the latest missed tick, not the first one: the eleven before it made nothing.
    expect(Date.parse((first[0] as { scheduledFor: string }).scheduledFor)).toBeGreaterThan(started - 1_100);
    await Bun.sleep(2_200);
    await user.call("PATCH", `/v1/schedules/${made.body.id}`, { paused: true });
    const all = await jobsOf(user, made.body.id);
    const ticks = all.map((j) => Date.parse(j.scheduledFor));
    expect(ticks[0]).toBe(Date.parse((first[0] as { scheduledFor: string }).scheduledFor));
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ticks.length; i++) expect((ticks[i] as number) - (ticks[i - 1] as number)).toBe(1_000);
  }, 40_000);
});
