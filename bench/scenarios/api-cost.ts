// The api's cost per accepted submission: its process CPU, the Redis and MongoDB commands it sends, and the
// submit rate and latency with 8 clients submitting at once (no worker running, so only the api's work counts).

import { spawnApp } from "@lineup/testkit";
import { commandDelta, percentile, processCpuMs, redisCommands, redisCpuMs } from "../lib/measure";
import { startMongoCounter } from "../lib/mongo-counter";
import { benchToken, lineupEnv, type Stack } from "../lib/stack";

export type ApiCost = {
  submissions: number;
  clients: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerSubmission: number;
  redisCommandsPerSubmission: number;
  /** Redis's own CPU per submission: what sizes a shard. */
  redisCpuUsPerSubmission: number;
  mongoCommandsPerSubmission: number;
};

export async function apiCost(
  stack: Stack,
  quick: boolean,
  options: { env?: Record<string, string>; queue?: string } = {},
): Promise<ApiCost> {
  const submissions = quick ? 400 : 4000;
  const clients = 8;
  const mongo = await startMongoCounter(stack.ctx.mongoUrl);
  const api = await spawnApp("api", {
    ...lineupEnv(stack, options.queue ?? "bench-api"),
    MONGO_URL: mongo.url,
    ...options.env,
  });
  try {
    const json = { "content-type": "application/json" };
    const accessToken = await benchToken(api.url, "bench@example.com");
    const headers = { ...json, authorization: `Bearer ${accessToken}` };
    const submit = (i: number) =>
      fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers,
        body: JSON.stringify({ type: "echo", group: `g${i % 64}`, payload: { i } }),
      });
    for (let i = 0; i < 50; i++) await submit(i); // warm up: JIT, connection pools
    const [cpu0, redis0, mongo0] = [
      processCpuMs(api.proc.pid),
      await redisCommands(stack.ctx.redisClient),
      mongo.total(),
    ];
    const redisCpu0 = await redisCpuMs(stack.ctx.redisClient);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < submissions) {
          const i = next++;
          const t0 = performance.now();
          const res = await submit(i);
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`submission answered ${res.status}`);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const [cpu1, redis1, mongo1] = [
      processCpuMs(api.proc.pid),
      await redisCommands(stack.ctx.redisClient),
      mongo.total(),
    ];
    const redisCpu1 = await redisCpuMs(stack.ctx.redisClient);
    latencies.sort((a, b) => a - b);
    return {
      submissions,
      clients,
      requestsPerSecond: submissions / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpuUsPerSubmission: ((cpu1 - cpu0) * 1000) / submissions,
      redisCommandsPerSubmission: commandDelta(redis0, redis1, ["info"]) / submissions,
      redisCpuUsPerSubmission: ((redisCpu1 - redisCpu0) * 1000) / submissions,
      mongoCommandsPerSubmission: (mongo1 - mongo0) / submissions,
    };
  } finally {
    await api.stop();
    await mongo.close();
  }
}
