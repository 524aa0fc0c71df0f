// A new user's first run: one api and one worker with default settings (no groups, so the queue's single default
// line; default slots). 3,000 `echo` jobs are submitted by 10 clients, then the worker starts on that backlog; its
// CPU from spawn until the last job's end is recorded counts its start and reconcile too.
import { createQueue } from "@lineup/queue";
import { spawnApp } from "@lineup/testkit";
import { processCpuMs, until } from "../lib/measure";
import { benchToken, lineupEnv, type Stack } from "../lib/stack";

export type DefaultConfig = {
  jobs: number;
  submitsPerSecond: number;
  apiCpuUsPerSubmission: number;
  workerCpuUsPerJob: number;
  jobsPerSecond: number;
};

export async function defaultConfig(stack: Stack, quick: boolean): Promise<DefaultConfig> {
  const jobs = quick ? 400 : 3000;
  const queue = "bench-default";
  const env = lineupEnv(stack, queue);
  const api = await spawnApp("api", env);
  let worker: Awaited<ReturnType<typeof spawnApp>> | undefined;
  try {
    const headers = {
      "content-type": "application/json",
      authorization: `Bearer ${await benchToken(api.url, "first@example.com")}`,
    };
    const api0 = processCpuMs(api.proc.pid);
    const submitted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < jobs) {
          const i = next++;
          const res = await fetch(`${api.url}/v1/jobs`, {
            method: "POST",
            headers,
            body: JSON.stringify({ type: "echo", payload: { i } }),
          });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`submission answered ${res.status}`);
        }
      }),
    );
    const submitSeconds = (performance.now() - submitted) / 1000;
    const apiCpuMs = processCpuMs(api.proc.pid) - api0;
    const line = createQueue(stack.ctx.redisClient, queue).keys.line("q");
    const started = performance.now();
    worker = await spawnApp("worker", { ...env, WORKER_ID: `bench-${queue}` });
    await until(async () => (await stack.ctx.redisClient.exists(line)) === 0, 600_000, 5);
    const seconds = (performance.now() - started) / 1000;
    const workerCpuMs = processCpuMs(worker.proc.pid);
    const succeeded = await stack.ctx.db.collection("jobs").countDocuments({ queue, status: "succeeded" });
    if (succeeded !== jobs) throw new Error(`default configuration: ${succeeded} of ${jobs} jobs succeeded`);
    return {
      jobs,
      submitsPerSecond: jobs / submitSeconds,
      apiCpuUsPerSubmission: (apiCpuMs * 1000) / jobs,
      workerCpuUsPerJob: (workerCpuMs * 1000) / jobs,
      jobsPerSecond: jobs / seconds,
    };
  } finally {
    await worker?.stop();
    await api.stop();
  }
}
