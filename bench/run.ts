// `bun run bench` runs every benchmark in one go (under 10 minutes) and writes bench/results/latest.json and the
// benchmark tables in docs/benchmarks.md; `bun run bench -- --quick` (under a minute, run by CI) writes bench/results/quick.json
// and leaves the docs alone. No scenario asserts a timing: the targets are reported, met or not, with their gap.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@lineup/testkit";
import { writeReadme } from "./lib/report";
import type { LoginLoad, Results, Target } from "./lib/results";
import type { Run } from "./lib/runs";
import { startStack } from "./lib/stack";
import { type ApiCost, apiCost } from "./scenarios/api-cost";
import { type BacklogRun, backlog } from "./scenarios/backlog";
import { type CriticalPath, criticalPath } from "./scenarios/critical-path";
import { longPoll } from "./scenarios/long-poll";
import { type ScheduledLoad, scheduledLoad } from "./scenarios/scheduled-load";
import { type Startup, startup } from "./scenarios/startup";
import { throughput } from "./scenarios/throughput";
import { tracingCost } from "./scenarios/tracing-cost";
import { workerCost } from "./scenarios/worker-cost";

const quick = process.argv.includes("--quick");
const started = performance.now();
const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const value = await fn();
  console.log(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return value;
};

const stack = await startStack();
let results: Results;
try {
  const redisInfo = (await stack.ctx.redisClient.info("server")) as string;
  const machine = {
    cores: navigator.hardwareConcurrency,
    bun: Bun.version,
    redis: /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? "?",
    store:
      stack.ctx.mongo.kind === "stand-in"
        ? "the stand-in (mongo-java-server 1.47.0, memory backend)"
        : stack.ctx.mongo.kind,
  };
  const worker = await step("worker cost", () => workerCost(stack, quick));
  const api = await step("api cost", () => apiCost(stack, quick));
  const path = await step("critical path", () => criticalPath(stack));
  const queued = await step("backlog", () => backlog(stack, quick));
  const sweep = await step("throughput", () => throughput(stack, quick));
  const start = await step("startup", () => startup(stack, quick));
  const polls = await step("long-poll", () => longPoll(stack, quick));
  const later = await step("scheduled load", () => scheduledLoad(stack, quick));
  const traced = await step("tracing cost", () => tracingCost(stack, quick));
  const login = await step("login load", () => loginLoad(quick));
  results = {
    date: new Date().toISOString(),
    quick,
    machine,
    workerCost: worker,
    apiCost: api,
    throughput: sweep,
    criticalPath: path,
    backlog: queued,
    startup: start,
    longPoll: polls,
    scheduledLoad: later,
    tracingCost: traced,
    loginLoad: login,
    targets: targetsOf(worker, api, path, queued, start, login, later),
  };
} finally {
  await stack.close();
}

mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
const file = join(REPO_ROOT, `bench/results/${quick ? "quick" : "latest"}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
if (!quick) writeReadme(results);
for (const t of results.targets)
  console.log(`bench: ${t.met ? "met " : "MISS"} ${t.name}: ${t.measured} (goal ${t.goal})`);
console.log(`bench: wrote ${file} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);

/** The login-load measurement runs in its own script (it spawns an api with real bcrypt costs). */
async function loginLoad(quickRun: boolean): Promise<LoginLoad | null> {
  const script = join(REPO_ROOT, "bench/login-load.ts");
  if (!(await Bun.file(script).exists())) return null;
  const proc = Bun.spawn(["bun", script, ...(quickRun ? ["--quick"] : [])], {
    cwd: REPO_ROOT,
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const last = out.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as LoginLoad;
}

function targetsOf(
  worker: Run[],
  api: ApiCost,
  path: CriticalPath,
  queued: BacklogRun[],
  start: Startup,
  login: LoginLoad | null,
  later: ScheduledLoad,
): Target[] {
  const find = (system: string, slots: number) => worker.find((w) => w.system === system && w.slots === slots) as Run;
  const cpuRatio = find("lineup", 1).cpuUsPerJob / find("bullmq", 1).cpuUsPerJob;
  const commands = api.redisCommandsPerSubmission + find("lineup", 1).redisCommandsPerJob;
  const backlogRatio = (queued.at(-1)?.jobsPerSecond ?? 0) / (queued[0]?.jobsPerSecond ?? 1);
  const startRatio = start.apiSourceMs / start.bareElysiaMs;
  const targets: Target[] = [
    target("worker CPU per job vs BullMQ, concurrency 1", "≤ 1.0×", cpuRatio, cpuRatio <= 1, "×"),
    target("Redis commands per job, submit + process", "≤ 8", commands, commands <= 8, ""),
    target(
      "round trips on one job's critical path",
      "≤ 4",
      path.criticalPathRoundTrips,
      path.criticalPathRoundTrips <= 4,
      "",
    ),
    target(
      `jobs/s with ${queued.at(-1)?.backlog.toLocaleString("en")} queued vs 1,000`,
      "≥ 0.9×",
      backlogRatio,
      backlogRatio >= 0.9,
      "×",
    ),
    target("api start-to-ready vs a bare Elysia app", "≤ 2×", startRatio, startRatio <= 2, "×"),
  ];
  if (login) targets.push(target("GET p99 under login load vs idle", "≤ 2×", login.ratioP99, login.ratioP99 <= 2, "×"));
  const [none, many] = [later[0], later.at(-1)];
  if (none && many && many !== none) {
    const ratio = many.run.jobsPerSecond / none.run.jobsPerSecond;
    const name = `echo jobs/s, 8 slots, with ${many.scheduled.toLocaleString("en")} jobs scheduled vs none`;
    targets.push(target(name, "≥ 0.9×", ratio, ratio >= 0.9, "×"));
  }
  return targets;
}

function target(name: string, goal: string, value: number, met: boolean, unit: string): Target {
  const measured = `${Math.round(value * 100) / 100}${unit}`;
  return { name, goal, measured, met, gap: met ? "" : `${measured} against ${goal}` };
}
