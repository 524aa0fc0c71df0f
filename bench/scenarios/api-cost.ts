// The api's cost per accepted submission: its process CPU, the Redis and MongoDB commands it sends, and the
// submit rate and latency with 8 clients submitting at once (no worker running, so only the api's work counts).
// Beside it, the same load on a bare Elysia app that only verifies the JWT and parses the body (bench/peers).

import { freePort, REPO_ROOT, spawnApp, TEST_JWT_SECRET } from "@lineup/testkit";
import { commandDelta, percentile, processCpuMs, redisCommands, redisCpuMs, until } from "../lib/measure";
import { startMongoCounter } from "../lib/mongo-counter";
import { benchToken, lineupEnv, type Stack } from "../lib/stack";

type Load = { requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuUsPerSubmission: number };

export type ApiCost = Load & {
  submissions: number;
  clients: number;
  redisCommandsPerSubmission: number;
  /** Redis's own CPU per submission: what sizes a shard. */
  redisCpuUsPerSubmission: number;
  mongoCommandsPerSubmission: number;
};

const CLIENTS = 8;

export async function apiCost(
  stack: Stack,
  quick: boolean,
  options: { env?: Record<string, string>; queue?: string } = {},
): Promise<ApiCost> {
  const submissions = quick ? 400 : 4000;
  const mongo = await startMongoCounter(stack.ctx.mongoUrl);
  const api = await spawnApp("api", {
    ...lineupEnv(stack, options.queue ?? "bench-api"),
    MONGO_URL: mongo.url,
    ...options.env,
  });
  try {
    const accessToken = await benchToken(api.url, "bench@example.com");
    const [redis0, mongo0, redisCpu0] = [
      await redisCommands(stack.ctx.redisClient),
      mongo.total(),
      await redisCpuMs(stack.ctx.redisClient),
    ];
    const load = await submitLoad(api.url, api.proc.pid, accessToken, submissions);
    const [redis1, mongo1, redisCpu1] = [
      await redisCommands(stack.ctx.redisClient),
      mongo.total(),
      await redisCpuMs(stack.ctx.redisClient),
    ];
    const warmed = submissions + WARM_UP;
    return {
      submissions,
      clients: CLIENTS,
      ...load,
      redisCommandsPerSubmission: commandDelta(redis0, redis1, ["info"]) / warmed,
      redisCpuUsPerSubmission: ((redisCpu1 - redisCpu0) * 1000) / warmed,
      mongoCommandsPerSubmission: (mongo1 - mongo0) / warmed,
    };
  } finally {
    await api.stop();
    await mongo.close();
  }
}

/** The same load against bench/peers/bare-submit.ts: the floor an Elysia app with a JWT and zod stands on. */
export async function bareSubmitCost(quick: boolean): Promise<Load> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(["bun", "bench/peers/bare-submit.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, PORT: String(port) },
    stdout: "ignore",
    stderr: "inherit",
  });
  try {
    await until(() => {
      if (proc.exitCode !== null) throw new Error("bench/peers/bare-submit.ts exited before it was ready");
      return fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    }, 20_000);
    const { accessToken } = (await fetch(`${url}/token`).then((r) => r.json())) as { accessToken: string };
    return await submitLoad(url, proc.pid, accessToken, quick ? 400 : 4000);
  } finally {
    proc.kill();
    await proc.exited;
  }
}

const WARM_UP = 50;

/** CLIENTS clients submitting `echo` jobs in 64 groups as fast as answers come, after a warm-up (JIT, pools). */
async function submitLoad(url: string, pid: number, accessToken: string, submissions: number): Promise<Load> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${accessToken}` };
  const submit = async (i: number) => {
    const res = await fetch(`${url}/v1/jobs`, {
      method: "POST",
      headers,
      body: JSON.stringify({ type: "echo", group: `g${i % 64}`, payload: { i } }),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`submission answered ${res.status}`);
  };
  for (let i = 0; i < WARM_UP; i++) await submit(i);
  const cpu0 = processCpuMs(pid);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < submissions) {
        const i = next++;
        const t0 = performance.now();
        await submit(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = processCpuMs(pid) - cpu0;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: submissions / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuUsPerSubmission: (cpuMs * 1000) / submissions,
  };
}
