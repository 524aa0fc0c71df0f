// One measured run: n jobs through one worker process of a system, released at once, timed until the last is done.
// Reports wall time, the worker process's CPU time, and the Redis and MongoDB commands spent on the way.
import { commandDelta, processCpuMs, redisCommands, redisCpuMs, until } from "./measure";
import { lineupWorker, peerWorker, type Stack, stageLineupJobs, stagePeerJobs, type Work } from "./stack";

export type System = "lineup" | "bullmq" | "groupmq" | "brpop" | "blmove";

export type Run = {
  system: System;
  slots: number;
  groups: number;
  work: Work["kind"];
  jobs: number;
  jobsPerSecond: number;
  cpuUsPerJob: number;
  redisCommandsPerJob: number;
  /** Redis's own CPU per job: what sizes a shard. */
  redisCpuUsPerJob: number;
  /** Lineup only (the peers use no MongoDB). */
  mongoCommandsPerJob?: number;
};

let runs = 0;

export async function measureRun(
  stack: Stack,
  options: {
    system: System;
    slots: number;
    jobs: number;
    groups: number;
    work: Work;
    /** Lineup only: readies the queue (by its name) before its jobs are staged, once its worker is idle. */
    prepare?: (queue: string) => Promise<void>;
    /** Lineup only: more settings for its worker. */
    env?: Record<string, string>;
  },
): Promise<Run> {
  runs += 1;
  const queue = `bench-${options.system}-${runs}`;
  const { ctx } = stack;
  const timeoutMs = 600_000;
  let release: () => Promise<unknown>;
  let finished: () => Promise<void>;
  let pid: number;
  let stop: () => Promise<unknown>;
  let closeStage: () => Promise<unknown> = async () => {};
  if (options.system === "lineup") {
    const worker = await lineupWorker(stack, queue, options.slots, options.env);
    // Registered and reconciled: idle, waiting for work.
    await until(
      async () => (await ctx.redisClient.zscore(`lineup:{${queue}}:workers`, `bench-${queue}`)) !== null,
      20_000,
    );
    await Bun.sleep(300);
    await options.prepare?.(queue);
    const staged = await stageLineupJobs(stack, queue, options.jobs, options.groups, options.work);
    release = staged.release;
    // Polling Redis, not MongoDB: a count on the stand-in scans the collection and would slow the run down.
    finished = async () => {
      await until(() => staged.drained(), timeoutMs, 5);
      const succeeded = await staged.succeeded();
      if (succeeded !== options.jobs) throw new Error(`lineup: ${succeeded} of ${options.jobs} jobs succeeded`);
    };
    pid = worker.proc.pid;
    stop = () => worker.stop();
  } else {
    const worker = await peerWorker(options.system, ctx.redisUrl, queue, options.slots, options.jobs, options.work);
    const staged = await stagePeerJobs(options.system, ctx.redisUrl, queue, options.jobs, options.groups, options.work);
    release = staged.release;
    closeStage = staged.close;
    finished = () => worker.done(timeoutMs);
    pid = worker.pid;
    stop = () => worker.stop();
  }
  const [cpu0, redis0, mongo0] = [processCpuMs(pid), await redisCommands(ctx.redisClient), stack.mongo.total()];
  const redisCpu0 = await redisCpuMs(ctx.redisClient);
  const started = performance.now();
  await release();
  await finished();
  const wallMs = performance.now() - started;
  const [cpu1, redis1, mongo1] = [processCpuMs(pid), await redisCommands(ctx.redisClient), stack.mongo.total()];
  const redisCpu1 = await redisCpuMs(ctx.redisClient);
  await stop();
  await closeStage();
  // The bench's own commands (releasing the staged jobs, reading INFO) are not the system's.
  const redis = commandDelta(redis0, redis1, ["rename", "info", "zscore", "exists"]);
  return {
    system: options.system,
    slots: options.slots,
    groups: options.groups,
    work: options.work.kind,
    jobs: options.jobs,
    jobsPerSecond: (options.jobs * 1000) / wallMs,
    cpuUsPerJob: ((cpu1 - cpu0) * 1000) / options.jobs,
    redisCommandsPerJob: redis / options.jobs,
    redisCpuUsPerJob: ((redisCpu1 - redisCpu0) * 1000) / options.jobs,
    ...(options.system === "lineup" ? { mongoCommandsPerJob: (mongo1 - mongo0) / options.jobs } : {}),
  };
}
