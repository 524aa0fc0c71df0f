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
import { type ApiCost, apiCost, bareSubmitCost } from "./scenarios/api-cost";
import { type BacklogRun, backlog } from "./scenarios/backlog";
import { type CriticalPath, criticalPath } from "./scenarios/critical-path";
import { type DefaultConfig, defaultConfig } from "./scenarios/default-config";
import { driverCost } from "./scenarios/driver-cost";
import { longPoll } from "./scenarios/long-poll";
import { type ScheduledLoad, scheduledLoad } from "./scenarios/scheduled-load";
import { type ScrapeCost, scrapeCost } from "./scenarios/scrape-cost";
import { type Startup, startup } from "./scenarios/startup";
import { throughput } from "./scenarios/throughput";
import { tracingCost } from "./scenarios/tracing-cost";
import { wakeCost } from "./scenarios/wake-cost";
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
  const bare = await step("bare submit", () => bareSubmitCost(quick));
  // Before the scenarios that leave a million documents behind: the stand-in scans where MongoDB uses an index.
  const scrapes = await step("scrape cost", () => scrapeCost(stack, quick));
  const first = await step("default configuration", () => defaultConfig(stack, quick));
  const path = await step("critical path", () => criticalPath(stack));
  const queued = await step("backlog", () => backlog(stack, quick));
  const sweep = await step("throughput", () => throughput(stack, quick));
  const start = await step("startup", () => startup(stack, quick));
  const polls = await step("long-poll", () => longPoll(stack, quick));
  const later = await step("scheduled load", () => scheduledLoad(stack, quick));
  const traced = await step("tracing cost", () => tracingCost(stack, quick));
  const driver = await step("driver cost", () => driverCost(stack, quick));
  const wakes = await step("wake cost", () => wakeCost(quick));
  const login = await step("login load", () => loginLoad(quick));
  results = {
    date: new Date().toISOString(),
    quick,
    machine,
    workerCost: worker,
    apiCost: api,
    bareSubmit: bare,
    defaultConfig: first,
    throughput: sweep,
    criticalPath: path,
    backlog: queued,
    startup: start,
    longPoll: polls,
    scheduledLoad: later,
    tracingCost: traced,
    scrapeCost: scrapes,
    driverCost: driver,
    wakeCost: wakes,
    loginLoad: login,
    targets: targetsOf({ worker, api, bare, first, sweep, path, queued, start, login, later, scrapes }),
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

type Measured = {
  worker: Run[];
  api: ApiCost;
  bare: Results["bareSubmit"];
  first: DefaultConfig;
  sweep: Run[];
  path: CriticalPath;
  queued: BacklogRun[];
  start: Startup;
  login: LoginLoad | null;
  later: ScheduledLoad;
  scrapes: ScrapeCost;
};

function targetsOf(m: Measured): Target[] {
  const find = (runs: Run[], system: string, slots: number, work = "echo") =>
    runs.find((w) => w.system === system && w.slots === slots && w.work === work);
  const targets: Target[] = [];
  const ratio = (name: string, goal: "≤" | "≥", limit: number, value: number | undefined, unit = "×") => {
    if (value === undefined || !Number.isFinite(value)) return;
    targets.push(target(name, `${goal} ${limit}${unit}`, value, goal === "≤" ? value <= limit : value >= limit, unit));
  };
  for (const slots of [1, 8]) {
    const [lineup, bull] = [find(m.worker, "lineup", slots), find(m.worker, "bullmq", slots)];
    if (lineup && bull)
      ratio(`worker CPU per job vs BullMQ, concurrency ${slots}`, "≤", 1.5, lineup.cpuUsPerJob / bull.cpuUsPerJob);
  }
  const bull1 = find(m.worker, "bullmq", 1);
  if (bull1)
    ratio(
      "worker CPU per job, default configuration on a backlog, vs BullMQ concurrency 1",
      "≤",
      1.5,
      m.first.workerCpuUsPerJob / bull1.cpuUsPerJob,
    );
  ratio(
    "api CPU per submission vs a bare Elysia app (JWT + zod)",
    "≤",
    4,
    m.api.cpuUsPerSubmission / m.bare.cpuUsPerSubmission,
  );
  ratio(
    "submissions/s at 8 clients vs the bare Elysia app",
    "≥",
    0.25,
    m.api.requestsPerSecond / m.bare.requestsPerSecond,
  );
  const eight = find(m.worker, "lineup", 8);
  if (eight) {
    ratio(
      "MongoDB commands per job, submit + run (8 clients, 8 slots)",
      "≤",
      0.5,
      m.api.mongoCommandsPerSubmission + (eight.mongoCommandsPerJob ?? 0),
      "",
    );
    ratio(
      "Redis commands per job, submit + run (8 slots)",
      "≤",
      10,
      m.api.redisCommandsPerSubmission + eight.redisCommandsPerJob,
      "",
    );
  }
  ratio(
    "MongoDB commands for a lone job on an idle system",
    "≤",
    3,
    m.path.trace.filter((e) => e.store === "mongo").length,
    "",
  );
  ratio("round trips on one job's critical path", "≤", 4, m.path.criticalPathRoundTrips, "");
  const top = Math.max(...m.sweep.map((r) => r.slots));
  for (const [work, limit] of [
    ["echo", 0.5],
    ["http", 0.9],
  ] as const) {
    const [lineup, bull] = [find(m.sweep, "lineup", top, work), find(m.sweep, "bullmq", top, work)];
    if (lineup && bull)
      ratio(`${work} jobs/s at ${top} slots vs BullMQ`, "≥", limit, lineup.jobsPerSecond / bull.jobsPerSecond);
  }
  const backlogRatio = (m.queued.at(-1)?.jobsPerSecond ?? 0) / (m.queued[0]?.jobsPerSecond ?? 1);
  ratio(`jobs/s with ${m.queued.at(-1)?.backlog.toLocaleString("en")} queued vs 1,000`, "≥", 0.9, backlogRatio);
  ratio("api start-to-ready vs a bare Elysia app", "≤", 2, m.start.apiSourceMs / m.start.bareElysiaMs);
  for (const s of m.scrapes) ratio(`CPU per /metrics scrape, ${s.process}`, "≤", 2, s.cpuMsPerScrape, " ms");
  if (m.login) ratio("GET p99 under login load vs idle", "≤", 2, m.login.ratioP99);
  const [none, many] = [m.later[0], m.later.at(-1)];
  if (none && many && many !== none)
    ratio(
      `echo jobs/s, 8 slots, with ${many.scheduled.toLocaleString("en")} jobs scheduled vs none`,
      "≥",
      0.9,
      many.run.jobsPerSecond / none.run.jobsPerSecond,
    );
  return targets;
}

function target(name: string, goal: string, value: number, met: boolean, unit: string): Target {
  const measured = `${Math.round(value * 100) / 100}${unit}`;
  return { name, goal, measured, met, gap: met ? "" : `${measured} against ${goal}` };
}
