// What the jobs services are given: the stores, the queue, limits and the announcer, wired once in app.ts.
import type { Db } from "@lineup/db";
import type { DefaultGroup, OnFailure } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { SubmitMetrics } from "@lineup/metrics";
import type { Queue } from "@lineup/queue";
import type { Tracing } from "@lineup/tracing";
import type { Announce } from "../events";
import type { RateLimits } from "../shared";
import type { QueuedQuota } from "./queued-quota";
import type { SubmitWrites } from "./submit-writes";

export type JobsDeps = {
  db: Db;
  /** The submission's MongoDB writes, group-committed across concurrent submissions. */
  writes: SubmitWrites;
  queue: Queue;
  /** Resolves once Redis is connected and its seq counter is at MongoDB's floor. */
  queueReady: () => Promise<void>;
  now: () => Date;
  log: Logger;
  metrics: SubmitMetrics;
  maxPayloadBytes: number;
  quota: QueuedQuota;
  rateLimits: RateLimits;
  /** The line of jobs without a group. */
  defaultGroup: DefaultGroup;
  /** What a job's final failure does to its line when the job does not say. */
  defaultOnFailure: OnFailure;
  /** How long a finished (or canceled) job is kept. */
  retentionMs: number;
  /** CIDRs callback URLs may reach besides global unicast addresses (HTTP_JOB_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[];
  /** Tells waits and streams of a change the api recorded. */
  announce: Announce;
  /** Each job's publish span, when the api traces. */
  tracing: Tracing;
};
