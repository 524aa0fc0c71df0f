// Turns bench/results/latest.json into the benchmark tables of docs/benchmarks.md (between the bench markers).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@lineup/testkit";
import type { Soak, SoakWindow } from "../scenarios/soak";
import { round } from "./measure";
import type { Results } from "./results";

// Markdown tables padded to their columns' widths, as the formatter (biome) lays them out.
const table = (head: string[], rows: (string | number)[][]) => {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${widths.map((w, i) => (r[i] ?? "").padEnd(w)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
};

/** Replaces the benchmark tables of docs/benchmarks.md with these results. */
export function writeReadme(results: Results): void {
  const page = join(REPO_ROOT, "docs/benchmarks.md");
  const text = readFileSync(page, "utf8");
  const section = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (!section.test(text))
    throw new Error("docs/benchmarks.md has no <!-- bench:start --> ... <!-- bench:end --> section");
  writeFileSync(page, text.replace(section, `$1${renderReadme(results)}\n$2`));
}

export function renderReadme(r: Results): string {
  const out: string[] = [];
  out.push(
    `Measured ${r.date.slice(0, 10)} on this ${r.machine.cores}-core machine, Bun ${r.machine.bun}, Redis ${r.machine.redis}, ` +
      `MongoDB: ${r.machine.store}. Wall-clock rates depend on the store; CPU and command counts per job do not.`,
  );
  out.push("", "**Targets**", "");
  out.push(
    table(
      ["target", "goal", "measured", "met"],
      r.targets.map((t) => [t.name, t.goal, t.measured, t.met ? "yes" : `**no** (${t.gap})`]),
    ),
  );
  out.push("", "**Worker cost per job** (`echo`, 64 groups; CPU of the worker process only)", "");
  out.push(
    table(
      [
        "system",
        "concurrency",
        "CPU µs / job",
        "Redis cmds / job",
        "Redis CPU µs / job",
        "MongoDB cmds / job",
        "jobs/s",
      ],
      r.workerCost.map((w) => [
        label(w.system),
        w.slots,
        round(w.cpuUsPerJob, 0),
        round(w.redisCommandsPerJob, 1),
        round(w.redisCpuUsPerJob, 0),
        w.mongoCommandsPerJob === undefined ? "–" : round(w.mongoCommandsPerJob, 2),
        round(w.jobsPerSecond, 0),
      ]),
    ),
  );
  const slots = [...new Set(r.throughput.map((t) => t.slots))];
  const rate = (system: string, work: string, s: number) =>
    round(r.throughput.find((t) => t.system === system && t.work === work && t.slots === s)?.jobsPerSecond ?? 0, 0);
  out.push(
    "",
    "**Jobs/s by slots** (one worker process; Lineup and groupmq with 64 groups; `http` = 50 ms target)",
    "",
  );
  out.push(
    table(
      ["slots", "Lineup echo", "BullMQ echo", "groupmq echo", "Lineup http", "BullMQ http", "groupmq http"],
      slots.map((s) => [
        s,
        rate("lineup", "echo", s),
        rate("bullmq", "echo", s),
        rate("groupmq", "echo", s),
        rate("lineup", "http", s),
        rate("bullmq", "http", s),
        rate("groupmq", "http", s),
      ]),
    ),
  );
  const a = r.apiCost;
  out.push(
    "",
    `**Submissions** (${a.clients} clients, ${a.submissions} jobs, no worker running; the bare Elysia app only verifies ` +
      "the JWT and parses the body with zod)",
    "",
  );
  const bare = r.bareSubmit;
  out.push(
    table(
      [
        "app",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU µs / submission",
        "Redis cmds / submission",
        "Redis CPU µs / submission",
        "MongoDB cmds / submission",
      ],
      [
        [
          "Lineup api",
          round(a.requestsPerSecond, 0),
          round(a.p50Ms, 1),
          round(a.p99Ms, 1),
          round(a.cpuUsPerSubmission, 0),
          round(a.redisCommandsPerSubmission, 1),
          round(a.redisCpuUsPerSubmission, 0),
          round(a.mongoCommandsPerSubmission, 1),
        ],
        ...(bare
          ? [
              [
                "bare Elysia app",
                round(bare.requestsPerSecond, 0),
                round(bare.p50Ms, 1),
                round(bare.p99Ms, 1),
                round(bare.cpuUsPerSubmission, 0),
                "–",
                "–",
                "–",
              ],
            ]
          : []),
      ],
    ),
  );
  const first = r.defaultConfig;
  if (first) {
    out.push(
      "",
      `**Default configuration** (one api, one worker, default settings, no groups: ${first.jobs.toLocaleString("en")} ` +
        "`echo` jobs submitted by 10 clients, then the worker started on that backlog; its CPU includes its start)",
      "",
    );
    out.push(
      table(
        ["submissions/s", "api CPU µs / submission", "worker jobs/s", "worker CPU µs / job"],
        [
          [
            round(first.submitsPerSecond, 0),
            round(first.apiCpuUsPerSubmission, 0),
            round(first.jobsPerSecond, 0),
            round(first.workerCpuUsPerJob, 0),
          ],
        ],
      ),
    );
  }
  out.push("", ...capacity(r));
  const p = r.criticalPath;
  out.push(
    "",
    `**One job's round trips** (idle worker; in order, ms after the request): ${p.submitRoundTrips} before the 202 ` +
      `(${p.admissionRoundTrips} to admit it: token, rate limit, quota), ${p.criticalPathRoundTrips} from its first ` +
      "write to its recorded end.",
    "",
  );
  out.push(
    table(
      ["ms", "process", "store", "command"],
      r.criticalPath.trace.map((e) => [round(e.ms, 1), e.process, e.store, e.command]),
    ),
  );
  out.push(
    "",
    "**Backlog** (Redis side: enqueue, take and complete one job, with the backlog queued in 1,000 groups)",
    "",
  );
  out.push(
    table(
      ["jobs queued", "jobs/s", "Redis CPU µs / job"],
      r.backlog.map((b) => [b.backlog.toLocaleString("en"), round(b.jobsPerSecond, 0), round(b.redisCpuUsPerJob, 1)]),
    ),
  );
  const s = r.startup;
  out.push("", `**Start to ready** (median of ${s.runs}, spawn to the first 200 from /readyz)`, "");
  out.push(
    table(
      ["api from source", "api compiled", "bare Elysia app"],
      [[`${round(s.apiSourceMs, 0)} ms`, `${round(s.apiCompiledMs, 0)} ms`, `${round(s.bareElysiaMs, 0)} ms`]],
    ),
  );
  const l = r.longPoll;
  out.push(
    "",
    `**${l.clients.toLocaleString("en")} clients long-polling at once** (\`GET /v1/jobs/{id}?wait=60\`, one loopback ` +
      `connection each; the api over ${l.windowSeconds} s, idle and then while they wait; answers timed from each ` +
      "job's recorded end)",
    "",
  );
  out.push(
    table(
      ["api RSS idle", "api RSS waiting", "api CPU idle", "api CPU waiting", "answer p50", "answer p99", "answer max"],
      [
        [
          `${round(l.idle.rssMb, 0)} MB`,
          `${round(l.waiting.rssMb, 0)} MB`,
          `${round(l.idle.cpuPercent, 1)} %`,
          `${round(l.waiting.cpuPercent, 1)} %`,
          `${round(l.answerP50Ms, 0)} ms`,
          `${round(l.answerP99Ms, 0)} ms`,
          `${round(l.answerMaxMs, 0)} ms`,
        ],
      ],
    ),
  );
  if (r.loginLoad) {
    const login = r.loginLoad;
    out.push("", "**GET /v1/jobs/{id} while 8 clients log in** (BCRYPT_COST=12)", "");
    out.push(
      table(
        ["idle p50", "idle p99", "login load p50", "login load p99"],
        [
          [
            `${round(login.idleP50Ms, 1)} ms`,
            `${round(login.idleP99Ms, 1)} ms`,
            `${round(login.loadP50Ms, 1)} ms`,
            `${round(login.loadP99Ms, 1)} ms`,
          ],
        ],
      ),
    );
  }
  if (r.tracingCost?.length) {
    const off = r.tracingCost.find((t) => t.mode === "off");
    out.push("", "**Tracing cost** (`echo`, 1 slot; spans to a local OTLP sink, exported every 100 ms)", "");
    out.push(
      table(
        ["tracing", "worker CPU µs / job", "vs off", "api CPU µs / submission", "vs off"],
        r.tracingCost.map((t) => [
          t.mode,
          round(t.workerCpuUsPerJob, 0),
          off ? `${round(t.workerCpuUsPerJob / off.workerCpuUsPerJob, 2)}×` : "–",
          round(t.apiCpuUsPerSubmission, 0),
          off ? `${round(t.apiCpuUsPerSubmission / off.apiCpuUsPerSubmission, 2)}×` : "–",
        ]),
      ),
    );
  }
  if (r.scrapeCost?.length) {
    out.push("", "**One /metrics scrape** (after 200 jobs; process CPU per scrape and the scrape's p99 latency)", "");
    out.push(
      table(
        ["process", "scrapes", "CPU ms / scrape", "p99 ms"],
        r.scrapeCost.map((c) => [c.process, c.scrapes, round(c.cpuMsPerScrape, 2), round(c.p99Ms, 1)]),
      ),
    );
  }
  if (r.driverCost?.length) {
    out.push(
      "",
      "**The MongoDB driver's own cost** (client CPU µs per command, one at a time: the official driver against the " +
        "same command as one OP_MSG on a raw socket)",
      "",
    );
    const ops = ["ping", "findOne", "insertOne", "insertMany100"] as const;
    out.push(
      table(
        ["runtime", ...ops.flatMap((o) => [`${o} driver`, `${o} raw`])],
        r.driverCost.map((d) => [
          d.runtime,
          ...ops.flatMap((o) => [round(d.ops[o].driverUs, 0), round(d.ops[o].rawUs, 0)]),
        ]),
      ),
    );
  }
  if (r.wakeCost?.length) {
    out.push(
      "",
      "**What a wake-up costs this machine** (process CPU µs per timer wake-up after sleeping, with nothing else to do: " +
        "the floor under every wait for a reply)",
      "",
    );
    const sleeps = r.wakeCost[0]?.wakes.map((w) => w.sleepMs) ?? [];
    out.push(
      table(
        ["runtime", ...sleeps.map((ms) => `after ${ms} ms`)],
        r.wakeCost.map((c) => [c.runtime, ...c.wakes.map((w) => round(w.cpuUs, 0))]),
      ),
    );
  }
  return out.join("\n");
}

// Sizing from the measured costs: every resource at most this busy, so bursts and failover have room.
const HEADROOM = 0.5;

/** A job's measured cost end to end (its submission and its run at 8 slots), and what it takes at 10k and 100k/s. */
function capacity(r: Results): string[] {
  const w = r.workerCost.find((x) => x.system === "lineup" && x.slots === 8) ?? r.workerCost[0];
  if (!w) return [];
  const a = r.apiCost;
  const redisUs = a.redisCpuUsPerSubmission + w.redisCpuUsPerJob;
  const perShard = (1e6 / redisUs) * HEADROOM;
  const mongoPerJob = a.mongoCommandsPerSubmission + (w.mongoCommandsPerJob ?? 0);
  const cores = (rate: number, us: number) => Math.ceil((rate * us) / 1e6 / HEADROOM);
  const row = (rate: number) => [
    rate.toLocaleString("en"),
    Math.ceil(rate / perShard),
    cores(rate, a.cpuUsPerSubmission),
    cores(rate, w.cpuUsPerJob),
    Math.round(rate * mongoPerJob).toLocaleString("en"),
  ];
  return [
    `**Capacity** (derived from the rows above: per job end to end, ${round(a.redisCommandsPerSubmission + w.redisCommandsPerJob, 1)} ` +
      `Redis commands and ${round(redisUs, 0)} µs of Redis CPU, so one Redis shard (one core) tops out near ` +
      `${Math.round(1e6 / redisUs).toLocaleString("en")} jobs/s; ${round(a.cpuUsPerSubmission, 0)} µs of api CPU, ` +
      `${round(w.cpuUsPerJob, 0)} µs of worker CPU and ${round(mongoPerJob, 2)} MongoDB commands. Sized at ` +
      `${HEADROOM * 100}% busy, for \`echo\`-cheap handlers; real handlers add their own work.)`,
    "",
    table(
      ["jobs/s", "Redis shards (masters)", "api cores", "worker cores", "MongoDB commands/s"],
      [row(10_000), row(100_000)],
    ),
  ];
}

function label(system: string): string {
  return (
    { lineup: "Lineup", bullmq: "BullMQ", groupmq: "groupmq", brpop: "raw LPUSH/BRPOP", blmove: "raw BLMOVE/LREM" }[
      system
    ] ?? system
  );
}

/** Replaces the soak tables (between the soak markers) of docs/benchmarks.md and the README with this run's. */
export function writeSoak(s: Soak): void {
  for (const page of [join(REPO_ROOT, "docs/benchmarks.md"), join(REPO_ROOT, "README.md")]) {
    const text = readFileSync(page, "utf8");
    const section = /(<!-- soak:start -->\n)[\s\S]*?(<!-- soak:end -->)/;
    if (!section.test(text)) throw new Error(`${page} has no <!-- soak:start --> ... <!-- soak:end --> section`);
    writeFileSync(page, text.replace(section, `$1${renderSoak(s)}\n$2`));
  }
}

export function renderSoak(s: Soak): string {
  const w = round(s.windowMinutes, 1);
  const row = (name: string, key: keyof SoakWindow, unit: string) => {
    const ratio = s.drift[key];
    return [
      name,
      `${round(s.first[key], 1)} ${unit}`,
      `${round(s.last[key], 1)} ${unit}`,
      `${round(ratio, 2)}×`,
      ratio <= 1.2 ? "yes" : "**no**",
    ];
  };
  return [
    `${s.minutes} minutes at ${round(s.rateJobsPerSecond, 0)} jobs/s (half the ${round(s.capacityJobsPerSecond, 0)} ` +
      `measured), ${s.accepted.toLocaleString("en")} jobs, ${s.workerRestarts} worker restarts, ${s.redisDrops} ` +
      `Redis drops; first ${w} minutes against last ${w}. Lost ${s.lost}, duplicated ${s.duplicated}, out of order ` +
      `${s.outOfOrder}; webhooks delivered ${s.webhooks.delivered} of ${s.webhooks.expected}.`,
    "",
    table(
      ["measure", "first", "last", "drift", "≤ 1.2×"],
      [
        row("api RSS", "apiRssMb", "MB"),
        row("worker RSS", "workerRssMb", "MB"),
        row("Redis memory", "redisMb", "MB"),
        row("submit p99", "submitP99Ms", "ms"),
        row("time to start p99", "startP99Ms", "ms"),
      ],
    ),
  ].join("\n");
}
