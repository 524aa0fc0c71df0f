// One job's round trips, traced: with an idle worker, a client submits one job; MONITOR on Redis and a counting
// proxy per process in front of MongoDB record every command from the request until the job's end is recorded.
// The critical path is what must happen one after another before the result is on record.
import type { JobDoc } from "@lineup/jobs";
import { scriptSources } from "@lineup/queue";
import { spawnApp } from "@lineup/testkit";
import Redis from "ioredis";
import { until } from "../lib/measure";
import { startMongoCounter } from "../lib/mongo-counter";
import { benchToken, lineupEnv, type Stack } from "../lib/stack";

export type TraceEntry = { ms: number; process: "api" | "worker"; store: "mongo" | "redis"; command: string };
export type CriticalPath = {
  trace: TraceEntry[];
  /** Every store command of the api before its 202. */
  submitRoundTrips: number;
  /** Of those, the ones before the job is written: authentication, rate limit, quota. */
  admissionRoundTrips: number;
  /** From the job's first write to its recorded end: insert, enqueue, then the worker's start and finish. */
  criticalPathRoundTrips: number;
};

// A script is named by its SHA (EVALSHA) or its body (EVAL, the first call).
const SCRIPT_NAMES = new Map(
  scriptSources.flatMap(({ name, lua }) => [
    [new Bun.CryptoHasher("sha1").update(lua).digest("hex"), name],
    [lua, name],
  ]),
);
// The worker's timers (heartbeat, retries due, dead workers, strays): not part of any job's path.
const HOUSEKEEPING = new Set(["heartbeat", "promote", "zrangebyscore", "lrange", "set", "recover"]);

export async function criticalPath(stack: Stack): Promise<CriticalPath> {
  const queue = "bench-trace";
  const [apiMongo, workerMongo] = [
    await startMongoCounter(stack.ctx.mongoUrl),
    await startMongoCounter(stack.ctx.mongoUrl),
  ];
  const env = lineupEnv(stack, queue);
  const worker = await spawnApp("worker", { ...env, MONGO_URL: workerMongo.url, WORKER_ID: "trace" });
  const api = await spawnApp("api", { ...env, MONGO_URL: apiMongo.url });
  const monitorClient = new Redis(stack.ctx.redisUrl);
  try {
    const json = { "content-type": "application/json" };
    const accessToken = await benchToken(api.url, "trace@example.com");
    const jobs = stack.ctx.db.collection<JobDoc>("jobs");
    const submit = async () => {
      const res = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers: { ...json, authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ type: "echo", payload: { traced: true } }),
      });
      const { id } = (await res.json()) as { id: string };
      await until(async () => (await jobs.findOne({ _id: id }))?.status === "succeeded", 10_000, 2);
    };
    // One job first: caches, pools and scripts are warm for the traced one, as in steady state.
    await submit();
    await Bun.sleep(1_000); // the worker is blocked waiting for work again
    const names = await connectionNames(monitorClient);
    const redisLog: { at: number; name: string; process?: string }[] = [];
    const monitor = await monitorClient.monitor();
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source === "lua") return; // commands inside a script are part of that one round trip
      const command = (args[0] ?? "").toLowerCase();
      const name = command.startsWith("eval") ? (SCRIPT_NAMES.get(args[1] ?? "") ?? "script") : command;
      redisLog.push({ at: performance.now(), name, process: names.get(source) });
    });
    await Bun.sleep(100);
    const [apiSkip, workerSkip] = [apiMongo.log.length, workerMongo.log.length];
    const t0 = performance.now();
    await submit();
    await Bun.sleep(50); // let the worker's last step (complete) show up too
    monitor.disconnect();
    const trace: TraceEntry[] = [
      ...apiMongo.log
        .slice(apiSkip)
        .map((e) => ({ ms: e.at - t0, process: "api" as const, store: "mongo" as const, command: e.command })),
      ...workerMongo.log
        .slice(workerSkip)
        .filter((e) => e.command !== "claimWebhook")
        .map((e) => ({ ms: e.at - t0, process: "worker" as const, store: "mongo" as const, command: e.command })),
      ...redisLog
        .filter((e) => e.at >= t0 && e.process && !HOUSEKEEPING.has(e.name))
        .map((e) => ({
          ms: e.at - t0,
          process: e.process as "api" | "worker",
          store: "redis" as const,
          command: e.name,
        })),
    ].sort((a, b) => a.ms - b.ms);
    const insertAt = trace.find((e) => e.process === "api" && e.command === "insert")?.ms ?? 0;
    const enqueueAt = trace.find((e) => e.command === "enqueue")?.ms ?? 0;
    const finishAt = Math.max(...trace.filter((e) => e.process === "worker" && e.store === "mongo").map((e) => e.ms));
    const apiSteps = trace.filter((e) => e.process === "api");
    const submitRoundTrips = apiSteps.length;
    const admissionRoundTrips = apiSteps.filter((e) => e.ms < insertAt).length;
    // The worker's Redis step after the finish hands the line on: off the path to the record.
    const criticalPathRoundTrips =
      apiSteps.filter((e) => e.ms >= insertAt && e.ms <= enqueueAt).length +
      trace.filter((e) => e.process === "worker" && e.store === "mongo" && e.ms <= finishAt).length;
    return { trace, submitRoundTrips, admissionRoundTrips, criticalPathRoundTrips };
  } finally {
    monitorClient.disconnect();
    await api.stop();
    await worker.stop();
    await apiMongo.close();
    await workerMongo.close();
  }
}

/** Redis client address -> "api" | "worker", from the names Lineup gives its connections. */
async function connectionNames(redis: Redis): Promise<Map<string, "api" | "worker">> {
  const list = (await redis.client("LIST")) as string;
  const names = new Map<string, "api" | "worker">();
  for (const line of list.split("\n")) {
    const addr = /\baddr=(\S+)/.exec(line)?.[1];
    const name = /\bname=(\S*)/.exec(line)?.[1] ?? "";
    if (addr && name.startsWith("lineup-api")) names.set(addr, "api");
    if (addr && name.startsWith("lineup-worker")) names.set(addr, "worker");
  }
  return names;
}
