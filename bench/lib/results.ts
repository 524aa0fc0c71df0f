// The shape of a benchmark run's results (bench/results/latest.json): what run.ts measures and report.ts renders.

import type { ApiCost } from "../scenarios/api-cost";
import type { BacklogRun } from "../scenarios/backlog";
import type { CriticalPath } from "../scenarios/critical-path";
import type { DefaultConfig } from "../scenarios/default-config";
import type { DriverCost } from "../scenarios/driver-cost";
import type { LongPoll } from "../scenarios/long-poll";
import type { ScheduledLoad } from "../scenarios/scheduled-load";
import type { ScrapeCost } from "../scenarios/scrape-cost";
import type { Startup } from "../scenarios/startup";
import type { TracingCost } from "../scenarios/tracing-cost";
import type { WakeCost } from "../scenarios/wake-cost";
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
  /** The same submissions against a bare Elysia app that only verifies the JWT and parses the body. */
  bareSubmit: Pick<ApiCost, "requestsPerSecond" | "p50Ms" | "p99Ms" | "cpuUsPerSubmission">;
  throughput: Run[];
  /** One api and one worker with default settings, the worker started on a backlog. */
  defaultConfig?: DefaultConfig;
  criticalPath: CriticalPath;
  backlog: BacklogRun[];
  startup: Startup;
  longPoll: LongPoll;
  /** Jobs/s with none and with a million (in --quick, 100,000) jobs scheduled for later. */
  scheduledLoad?: ScheduledLoad;
  /** Worker and api CPU with tracing off, on, and on at 1%. */
  tracingCost?: TracingCost;
  /** CPU per /metrics scrape, api and worker. */
  scrapeCost?: ScrapeCost;
  /** Client CPU per MongoDB command, driver against raw OP_MSG, Bun and Node. */
  driverCost?: DriverCost;
  /** Process CPU per timer wake-up after sleeping 1 to 100 ms, Bun and Node: the machine's floor under a round trip. */
  wakeCost?: WakeCost;
  loginLoad: LoginLoad | null;
  targets: Target[];
};
