// The shape of a benchmark run's results (bench/results/latest.json): what run.ts measures and report.ts renders.

import type { ApiCost } from "../scenarios/api-cost";
import type { BacklogRun } from "../scenarios/backlog";
import type { CriticalPath } from "../scenarios/critical-path";
import type { LongPoll } from "../scenarios/long-poll";
import type { ScheduledLoad } from "../scenarios/scheduled-load";
import type { Startup } from "../scenarios/startup";
import type { TracingCost } from "../scenarios/tracing-cost";
import type { Run } from "./runs";

export type LoginLoad = {
  idleP50Ms: number;
  idleP99Ms: number;
  loadP50Ms: number;
  loadP99Ms: number;
  ratioP99: number;
};
export type Target = { name: string; goal: string; measured: string; met: boolean; gap: string };
export type Results = {
  date: string;
  quick: boolean;
  machine: { cores: number; bun: string; redis: string; store: string };
  workerCost: Run[];
  apiCost: ApiCost;
  throughput: Run[];
  criticalPath: CriticalPath;
  backlog: BacklogRun[];
  startup: Startup;
  longPoll: LongPoll;
  /** Jobs/s with none and with a million (in --quick, 100,000) jobs scheduled for later. */
  scheduledLoad?: ScheduledLoad;
  /** Worker and api CPU with tracing off, on, and on at 1%. */
  tracingCost?: TracingCost;
  loginLoad: LoginLoad | null;
  targets: Target[];
};
