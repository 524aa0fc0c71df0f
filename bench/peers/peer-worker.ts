// A peer queue's worker in its own process, so its CPU time can be read from /proc like Lineup's worker's.
//   bun bench/peers/peer-worker.ts <system> <redisUrl> <queue> <concurrency> <jobs> <echo|url>
// system: bullmq | groupmq | brpop (raw LPUSH/BRPOP loop) | blmove (raw BLMOVE/LREM reliable-pop loop).
// Prints "ready" once it waits for work and "done <n>" after n jobs; exits on SIGTERM.
import { Worker as BullWorker } from "bullmq";
import { Queue as GroupQueue, Worker as GroupWorker } from "groupmq";
import Redis from "ioredis";

const [system, redisUrl, queue, concurrencyArg, jobsArg, work] = process.argv.slice(2) as string[];
const concurrency = Number(concurrencyArg);
const expected = Number(jobsArg);
let done = 0;

/** The job's work: nothing (echo), or one POST to the local target, as Lineup's http jobs do. */
const perform = async (data: unknown): Promise<unknown> => {
  if (work === "echo") return data;
  const res = await fetch(work as string, { method: "POST", body: JSON.stringify(data) });
  return { status: res.status, body: await res.text() };
};
const finished = () => {
  done += 1;
  if (done === expected) console.log(`done ${done}`);
};

const stops: (() => Promise<unknown>)[] = [];
if (system === "bullmq") {
  const connection = new Redis(redisUrl as string, { maxRetriesPerRequest: null });
  const worker = new BullWorker(queue as string, (job) => perform(job.data), {
    connection,
    concurrency,
    removeOnComplete: { count: 0 },
  });
  worker.on("completed", finished);
  await worker.waitUntilReady();
  stops.push(() => worker.close());
} else if (system === "groupmq") {
  const redis = new Redis(redisUrl as string, { maxRetriesPerRequest: null });
  const q = new GroupQueue({ redis, namespace: queue as string });
  const worker = new GroupWorker({
    queue: q,
    concurrency,
    handler: async (job) => {
      const result = await perform(job.data);
      finished();
      return result;
    },
  });
  worker.run();
  stops.push(() => worker.close());
} else {
  // Raw loops, one blocking connection per slot: the floor any Redis list queue pays per job.
  const commands = new Redis(redisUrl as string);
  const loop = async () => {
    const blocking = new Redis(redisUrl as string);
    stops.push(async () => blocking.disconnect());
    for (;;) {
      if (system === "brpop") {
        const popped = await blocking.brpop(`${queue}:pending`, 0).catch(() => null);
        if (!popped) return;
        await perform(JSON.parse(popped[1]));
      } else {
        const raw = await blocking
          .blmove(`${queue}:pending`, `${queue}:processing`, "RIGHT", "LEFT", 0)
          .catch(() => null);
        if (!raw) return;
        await perform(JSON.parse(raw));
        await commands.lrem(`${queue}:processing`, 1, raw);
      }
      finished();
    }
  };
  for (let i = 0; i < concurrency; i++) void loop();
  stops.push(async () => commands.disconnect());
}
console.log("ready");
process.on("SIGTERM", async () => {
  await Promise.all(stops.map((stop) => stop().catch(() => {})));
  process.exit(0);
});
