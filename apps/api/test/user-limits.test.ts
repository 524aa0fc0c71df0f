// What one user may hold open is bounded across every api process, so one user cannot take every long-poll or event
// stream of a fleet: two real api processes, one Redis.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type AppProcess, createTestContext, spawnApp, type TestContext } from "@lineup/testkit";

let ctx: TestContext;
let apis: AppProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext("userlimits");
  const env = { ...ctx.env, LOG_LEVEL: "warn", LONG_POLLS_PER_USER: "2", SSE_STREAMS_PER_USER: "2" };
  apis = await Promise.all([spawnApp("api", env), spawnApp("api", env)]);
});
afterAll(async () => {
  for (const api of apis) await api.stop("SIGKILL");
  await ctx.cleanup();
});

async function user(api: AppProcess): Promise<string> {
  const headers = { "content-type": "application/json" };
  const body = JSON.stringify({ email: `u.${crypto.randomUUID().slice(0, 8)}@example.com`, password: "password123" });
  await fetch(`${api.url}/v1/auth/register`, { method: "POST", headers, body });
  return (
    (await (await fetch(`${api.url}/v1/auth/login`, { method: "POST", headers, body })).json()) as {
      accessToken: string;
    }
  ).accessToken;
}

async function queuedJob(api: AppProcess, token: string): Promise<string> {
  const res = await fetch(`${api.url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ type: "echo", payload: 1 }),
  });
  return ((await res.json()) as { id: string }).id;
}

describe("per-user bounds across api processes", () => {
  it("lets a user hold LONG_POLLS_PER_USER waits over all apis, then 429 too_many_waits; others still wait", async () => {
    const [a, b] = apis as [AppProcess, AppProcess];
    const [me, other] = [await user(a), await user(a)];
    // No worker: the jobs stay queued, so the waits last.
    const job = await queuedJob(a, me);
    const aborter = new AbortController();
    const wait = (api: AppProcess, token: string, id = job) =>
      fetch(`${api.url}/v1/jobs/${id}?wait=30`, {
        headers: { authorization: `Bearer ${token}` },
        signal: aborter.signal,
      });
    const held = [wait(a, me).catch(() => null), wait(b, me).catch(() => null)];
    await Bun.sleep(300);
    const third = await wait(b, me);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("too_many_waits");
    expect(third.headers.get("retry-after")).toBe("1");
    // Another user is not held up by this one.
    const theirs = wait(a, other, await queuedJob(a, other));
    await Bun.sleep(300);
    aborter.abort();
    await Promise.all([...held, theirs.catch(() => null)]);
    // Once those end, the user waits again.
    await Bun.sleep(300);
    const again = await fetch(`${a.url}/v1/jobs/${job}?wait=1`, { headers: { authorization: `Bearer ${me}` } });
    expect(again.status).toBe(200);
  }, 30_000);

  it("lets a user hold SSE_STREAMS_PER_USER streams over all apis, then 429 too_many_streams", async () => {
    const [a, b] = apis as [AppProcess, AppProcess];
    const me = await user(a);
    const aborter = new AbortController();
    const open = (api: AppProcess) =>
      fetch(`${api.url}/v1/events`, { headers: { authorization: `Bearer ${me}` }, signal: aborter.signal });
    const first = await open(a);
    const second = await open(b);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open(b);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("too_many_streams");
    aborter.abort();
    await Bun.sleep(500);
    const again = await fetch(`${a.url}/v1/events`, { headers: { authorization: `Bearer ${me}` } });
    expect(again.status).toBe(200);
    await again.body?.cancel();
  }, 30_000);
});
