// Redis-side cost per job with a small and a huge backlog queued (MongoDB left out: the backlog's documents would
// only be read when their jobs run). The same loop each time: enqueue a job, take the front of ready, complete it.
// Every step is O(1) in the backlog's size, so jobs/s should not fall as the backlog grows.
import { createQueue } from "@lineup/queue";
import type Redis from "ioredis";
import IORedis from "ioredis";
import { redisCpuMs } from "../lib/measure";
import type { Stack } from "../lib/stack";

export type BacklogRun = { backlog: number; jobsPerSecond: number; redisCpuUsPerJob: number };

const LINES = 1000;

export async function backlog(stack: Stack, quick: boolean): Promise<BacklogRun[]> {
  const sizes = quick ? [1_000, 100_000] : [1_000, 1_000_000];
  const results: BacklogRun[] = [];
  for (const size of sizes)
    results.push(await runWith(stack.ctx.redisClient, stack.ctx.redisUrl, size, quick ? 2_000 : 10_000));
  return results;
}

async function runWith(redis: Redis, url: string, size: number, loops: number): Promise<BacklogRun> {
  const name = `bench-backlog-${size}`;
  const q = createQueue(redis, name);
  await fill(redis, q, size);
  const blocking = new IORedis(url);
  try {
    const cpu0 = await redisCpuMs(redis);
    const t0 = performance.now();
    for (let i = 0; i < loops; i++) {
      await q.enqueue({
        id: (size + i).toString(16).padStart(24, "0"),
        line: `u:hot${i % 100}`,
        type: "echo",
        enqueuedAt: Date.now(),
      });
      const raw = (await q.take(blocking, "w", 1)) as string;
      await q.complete("w", raw);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = await redisCpuMs(redis);
    return { backlog: size, jobsPerSecond: loops / seconds, redisCpuUsPerJob: ((cpu1 - cpu0) * 1000) / loops };
  } finally {
    blocking.disconnect();
    await redis.del(q.keys.ready, q.keys.seq, q.keys.held("w"));
    for (let l = 0; l < LINES; l++) await redis.unlink(q.keys.line(`u:line${l}`));
    for (let l = 0; l < 100; l++) await redis.unlink(q.keys.line(`u:hot${l}`));
  }
}

/** `size` jobs over LINES lines, laid out as enqueue.lua would have left them (each line's head in ready). */
async function fill(redis: Redis, q: ReturnType<typeof createQueue>, size: number): Promise<void> {
  const perLine = Math.ceil(size / LINES);
  let seq = 0;
  const heads: string[] = [];
  for (let l = 0; l < LINES; l++) {
    const items: string[] = [];
    for (let k = 0; k < perLine && seq < size; k++) {
      seq += 1;
      items.push(
        `{"seq":${seq},"id":"${seq.toString(16).padStart(24, "0")}","line":"u:line${l}","type":"echo","enqueuedAt":0}`,
      );
    }
    if (!items.length) break;
    heads.push(items[0] as string);
    const pipeline = redis.pipeline();
    for (let i = 0; i < items.length; i += 10_000)
      pipeline.lpush(q.keys.line(`u:line${l}`), ...items.slice(i, i + 10_000));
    await pipeline.exec();
  }
  await redis.lpush(q.keys.ready, ...heads);
  await redis.set(q.keys.seq, seq);
}
