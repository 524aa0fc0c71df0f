// Runs one job a worker took to the end of one attempt: start (fenced), handler with timeout, and the record of
// what happened. It says how the job leaves the worker's hands (the Settlement); the worker tells Redis.
// Safe to call again with the same envelope after a crash or an error: every step is conditional.
// A quick run (quick-run.ts) leaves out the start's write: its end records both, in the same fence.
import { type Db, findJob, nextAttempt, requeueJob, retryJobLater, stopLine } from "@lineup/db";
import {
  catalog,
  changeOf,
  isFinal,
  isJobType,
  type JobChange,
  type JobDoc,
  type JobErrorInfo,
  lineOfJob,
} from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { JobOutcome, WorkerJobMetrics } from "@lineup/metrics";
import { decodeEnvelope, type Ending, type Envelope, type RunMode } from "@lineup/queue";
import { type Tracing, tracingOff } from "@lineup/tracing";
import { retryChange, returnedChange } from "./changes";
import type { Handlers } from "./handlers";
import { JobError } from "./handlers/types";
import { type AttemptTrace, startAttempt } from "./job-tracing";
import type { JobWrites } from "./job-writes";
import { persist } from "./persist";
import { createProgress } from "./progress";
import { type QuickRun, quickRun } from "./quick-run";

export type ProcessDeps = {
  db: Db;
  /** Start and finish, grouped across the worker's slots (they announce their changes themselves). */
  writes: JobWrites;
  /** Announces the other state changes, once recorded. */
  notify: (changes: JobChange[]) => void;
  workerId: string;
  /** The queue's name (a quick run's job carries it). */
  queueName: string;
  handlers: Handlers;
  log: Logger;
  metrics: WorkerJobMetrics;
  jobTimeoutMs: number;
  retryBackoffMs: number;
  /** How long a finished job is kept (JOB_RETENTION). */
  retentionMs: number;
  /** CIDRs `http` jobs may reach besides global unicast addresses (HTTP_JOB_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[];
  /** Aborts when shutdown's grace period is over: the job in hand goes back to the head of its line. */
  abort: AbortSignal;
  /** A span per attempt and per outgoing call (off unless an OTLP endpoint is set). */
  tracing?: Tracing;
};

/** How a job leaves the worker: its run ended (the line moves on), it waits out a retry, or it goes back unfinished. */
export type Settlement =
  | { kind: "complete"; dead: boolean; halt?: boolean; stats?: Ending }
  | { kind: "retry"; dueAt: number; failedAttempt?: boolean }
  | { kind: "giveBack" };

type Ended = Extract<Settlement, { kind: "complete" }>;

/** How an attempt ended, as its span says. */
function outcomeOf(settlement: Settlement): string {
  if (settlement.kind === "retry") return "retrying";
  if (settlement.kind === "giveBack") return "given back";
  return settlement.dead ? "failed" : "succeeded";
}

/** How soon a job whose batch is still on its way into Redis is looked at again (its line waits meanwhile). */
const PENDING_RECHECK_MS = 100;

const ended = (dead = false): Ended => ({ kind: "complete", dead });
/** The job failed for good and says onFailure: halt: it stays its line's head and the line stops. */
const halted = (): Ended => ({ kind: "complete", dead: true, halt: true });

/** `mode` is how Redis said the take runs; `canceled` aborts the handler when an admin cancels the job while it runs. */
export async function processEnvelope(
  deps: ProcessDeps,
  raw: string,
  mode: RunMode = "record",
  canceled: AbortSignal = new AbortController().signal,
): Promise<Settlement> {
  const env = decodeEnvelope(raw);
  if (!env) {
    // Sidekiq's rule: what cannot be parsed will not parse next time either. Dead-letter it, never retry.
    deps.log.error("malformed envelope dead-lettered", { envelope: raw.slice(0, 200) });
    deps.metrics.deadLettered.inc({ type: "unknown" });
    return ended(true);
  }
  const log = deps.log.child({ jobId: env.id, seq: env.seq, type: env.type, requestId: env.requestId });
  const quick = mode === "quick" && env.run ? beginQuick(deps, { ...env, run: env.run }, log) : undefined;
  const job = quick?.job ?? (await claim(deps, env, log, mode === "again"));
  if (typeof job !== "string") {
    const traced = startAttempt(deps.tracing ?? tracingOff, job);
    let settlement: Settlement | undefined;
    try {
      settlement = await run(deps, { job, quick }, log.child(traced.logFields), canceled, traced);
      return settlement;
    } finally {
      const outcome = settlement ? outcomeOf(settlement) : "interrupted";
      traced.end(outcome, outcome !== "succeeded" && outcome !== "given back");
    }
  }
  if (job === "skipped") return ended();
  if (job === "pending") return { kind: "retry", dueAt: Date.now() + PENDING_RECHECK_MS, failedAttempt: false };
  return job === "halted" ? halted() : ended(true);
}

/** The first take of a job whose envelope holds what its run needs: it runs at once; its start is announced. */
function beginQuick(deps: ProcessDeps, env: Envelope & { run: NonNullable<Envelope["run"]> }, log: Logger): QuickRun {
  const quick = quickRun({
    env,
    queue: deps.queueName,
    workerId: deps.workerId,
    recordStart: (start) =>
      store(deps, "start", () =>
        deps.writes.start(
          { id: env.id, seq: env.seq, workerId: deps.workerId, now: start.startedAt },
          { announced: true },
        ),
      ),
    onError: (err) => log.warn("could not record the start of a running job; its end will", { error: err }),
  });
  deps.metrics.wait.observe({ type: env.type }, Math.max(0, Date.now() - env.enqueuedAt) / 1000);
  deps.notify([changeOf(quick.job)]);
  return quick;
}

/**
 * queued -> running, or the takeover of a job a crashed run left running. A string says why there is nothing to run.
 * `lostQuickRun`: Redis says a quick run of the job was cut short; if its record never saw a start, that run counts.
 */
async function claim(
  deps: ProcessDeps,
  env: Envelope,
  log: Logger,
  lostQuickRun = false,
): Promise<JobDoc | "skipped" | "failed" | "halted" | "pending"> {
  const started = await store(deps, "start", () =>
    deps.writes.start({ id: env.id, seq: env.seq, workerId: deps.workerId, now: new Date() }),
  );
  if (started) {
    if (started.attempts === 1) {
      deps.metrics.wait.observe({ type: env.type }, Math.max(0, Date.now() - env.enqueuedAt) / 1000);
    }
    // The start just recorded stands for the lost run, and this run takes over from it as from any interrupted one.
    if (lostQuickRun && started.attempts === 1) return takeOver(deps, env, started, log);
    return started;
  }
  const current = await store(deps, "read", () => findJob(deps.db, env.id));
  if (!current) {
    // Redis holds a job MongoDB never kept (the api answered 503 and undid its insert).
    log.warn("envelope without a job record dropped");
    return "skipped";
  }
  if (isFinal(current.status)) {
    if (current.haltedLine) {
      // Its failure is on record but its worker stopped before its line was halted: halt it now (the same write).
      await haltLine(deps, current, log);
      return "halted";
    }
    if (current.status === "canceled") {
      log.info("canceled job skipped");
      deps.metrics.finished.inc({ type: current.type, outcome: "canceled" });
    } else {
      log.info("job already recorded; its line moves on");
    }
    return "skipped";
  }
  // Its batch is not in Redis whole yet: try again in a moment, keeping the line's place.
  if (current.status === "queued" && current.batchPending !== undefined) return "pending";
  if (current.status === "queued") return claim(deps, env, log, lostQuickRun); // queued again between our two reads
  return takeOver(deps, env, current, log);
}

/** running: an earlier run died mid-job (or was cut off). That run counted as an attempt. */
async function takeOver(
  deps: ProcessDeps,
  env: Envelope,
  current: JobDoc,
  log: Logger,
): Promise<JobDoc | "skipped" | "failed" | "halted" | "pending"> {
  if (current.attempts >= current.maxAttempts) {
    const error = { code: "attempts_exhausted", message: "the worker stopped during the last allowed attempt" };
    log.warn("job failed: its last attempt was interrupted");
    return (await recordFailure(deps, current, error, log)).halt ? "halted" : "failed";
  }
  const taken = await store(deps, "take over", () =>
    nextAttempt(deps.db, { id: env.id, attempts: current.attempts, workerId: deps.workerId, now: new Date() }),
  );
  if (!taken) return claim(deps, env, log);
  deps.notify([changeOf(taken)]);
  log.warn("job taken over after an interrupted attempt", { attempt: taken.attempts });
  return taken;
}

/** The job a run writes, and its quick run while its start may not be on record. */
type Running = { job: JobDoc; quick?: QuickRun };

/** The job as on record, for any write but a quick run's end: a quick run's start is recorded first (once). */
function onRecord(running: Running): Promise<JobDoc | null> {
  return running.quick ? running.quick.record() : Promise.resolve(running.job);
}

function movedOn(log: Logger): Settlement {
  log.warn("the job's record moved on (canceled, or taken over by a newer attempt); stepping back");
  return ended();
}

/** One attempt, and its record: succeeded, failed for good, waiting out a retry, or given back for shutdown. */
async function run(
  deps: ProcessDeps,
  running: Running,
  log: Logger,
  canceled: AbortSignal,
  traced: AttemptTrace,
): Promise<Settlement> {
  const { job, quick } = running;
  const type = job.type;
  const schema = isJobType(type) ? catalog[type] : undefined;
  const parsed = schema?.safeParse(parseJson(job.payloadJson));
  if (!schema || !parsed?.success) {
    const message = schema ? "payload fails its type's schema" : `unknown job type ${type}`;
    log.error("job failed at once: its payload cannot be run");
    const recorded = await onRecord(running);
    return recorded ? recordFailure(deps, recorded, { code: "invalid_payload", message }, log) : movedOn(log);
  }
  deps.metrics.started.inc({ type });
  const outcome = await attempt(deps, running, parsed.data, log, canceled, traced);
  if (canceled.aborted) {
    // Canceled on record by an admin while it ran; its handler was stopped. The line moves on.
    quick?.unrecorded();
    deps.metrics.finished.inc({ type, outcome: "canceled" });
    log.info("running job canceled; its handler was stopped", { attempt: job.attempts });
    return ended();
  }
  if (outcome.ok) return recordSuccess(deps, running, outcome.result, log);
  const recorded = await onRecord(running);
  if (!recorded) return movedOn(log);
  if (deps.abort.aborted) return giveBack(deps, recorded, log);
  const error = outcome.error;
  if (!error.retryable || recorded.attempts >= recorded.maxAttempts) {
    log.warn("job failed", { attempt: recorded.attempts, code: error.code });
    return recordFailure(deps, recorded, { code: error.code, message: error.message }, log);
  }
  const dueAt = Date.now() + Math.min(deps.retryBackoffMs * 2 ** (recorded.attempts - 1), 30_000);
  const failure = { code: error.code, message: error.message };
  const retryAt = new Date(dueAt);
  const waiting = await store(deps, "retry later", () =>
    retryJobLater(deps.db, {
      id: recorded._id,
      attempts: recorded.attempts,
      error: failure,
      retryAt,
      now: new Date(),
    }),
  );
  if (!waiting) return movedOn(log);
  deps.notify([retryChange(recorded, failure, retryAt)]);
  deps.metrics.retries.inc({ type });
  log.info("attempt failed; retrying in place after a backoff", { attempt: recorded.attempts, code: error.code });
  return { kind: "retry", dueAt };
}

/** The handler's result on record: a quick run's end records its start in the same write. */
async function recordSuccess(deps: ProcessDeps, running: Running, result: unknown, log: Logger): Promise<Settlement> {
  const quick = running.quick?.unrecorded();
  const job = quick ? running.job : await onRecord(running);
  if (!job) return movedOn(log);
  const recorded = await store(deps, "record success", () =>
    deps.writes.finish({ ...ending(deps, job), ...(quick ? { quick } : {}), status: "succeeded", result }, job),
  ).catch(async (err) => {
    // A result MongoDB will not store (too large, say) still ends the job, as a failure.
    log.error("result could not be stored", { error: err });
    const failed = await onRecord({ ...running, job });
    if (!failed) return movedOn(log);
    return recordFailure(deps, failed, { code: "result_not_stored", message: "the result could not be stored" }, log);
  });
  if (typeof recorded === "object") return recorded;
  if (!recorded) {
    log.warn("a newer attempt owns the job (or it was canceled); this result was not recorded");
    return ended();
  }
  observeEnd(deps, job, "succeeded");
  log.info("job succeeded", { attempt: job.attempts });
  return { ...ended(), stats: statsOf(job, "succeeded") };
}

type Attempt = { ok: true; result: unknown } | { ok: false; error: JobError };

async function attempt(
  deps: ProcessDeps,
  running: Running,
  payload: unknown,
  log: Logger,
  canceled: AbortSignal,
  traced: AttemptTrace,
): Promise<Attempt> {
  const { job } = running;
  const handler = deps.handlers[job.type as keyof Handlers] as (p: unknown, c: unknown) => Promise<unknown>;
  const timeout = AbortSignal.timeout(deps.jobTimeoutMs);
  const signal = AbortSignal.any([timeout, deps.abort, canceled]);
  const progress = createProgress({
    db: deps.db,
    notify: deps.notify,
    job,
    ...(running.quick ? { recorded: () => onRecord(running) } : {}),
  });
  const ctx = {
    jobId: job._id,
    attempt: job.attempts,
    signal,
    log,
    allowedNetworks: deps.allowedNetworks,
    progress: progress.report,
    trace: { call: traced.call },
  };
  try {
    // Raced against the signal so a handler that ignores it cannot hold the queue past its time.
    const result = await Promise.race([handler(payload, ctx), rejectOnAbort(signal)]);
    await progress.flush();
    return { ok: true, result: result === undefined ? null : result };
  } catch (err) {
    await progress.flush();
    if (err instanceof JobError) return { ok: false, error: err };
    if (timeout.aborted) {
      return {
        ok: false,
        error: new JobError("timeout", `no result within ${deps.jobTimeoutMs} ms`, { retryable: true }),
      };
    }
    if (deps.abort.aborted) {
      return { ok: false, error: new JobError("aborted", "the worker is stopping", { retryable: true }) };
    }
    log.error("handler threw", { error: err });
    const error = new JobError("handler_error", "the handler failed unexpectedly", { retryable: true, cause: err });
    return { ok: false, error };
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * Records a final failure (the envelope is dead-lettered when the worker settles it). A job that says onFailure: halt
 * halts its line: the failure's record says so, then the line's state, then Redis keeps the job as its line's head.
 */
async function recordFailure(deps: ProcessDeps, job: JobDoc, error: JobErrorInfo, log: Logger): Promise<Ended> {
  const halts = job.onFailure === "halt";
  const recorded = await store(deps, "record failure", () =>
    deps.writes.finish({ ...ending(deps, job), status: "failed", error, halts }, job),
  );
  deps.metrics.deadLettered.inc({ type: job.type });
  if (!recorded) return ended(true);
  observeEnd(deps, job, "failed");
  const stats = statsOf(job, "failed");
  if (!halts) return { ...ended(true), stats };
  await haltLine(deps, job, log);
  return { ...halted(), stats };
}

/** The job's end for the minute's stats: its outcome and its wait in line before its first attempt. */
function statsOf(job: JobDoc, outcome: Ending["outcome"]): Ending {
  const first = job.firstStartedAt ?? job.startedAt;
  const joined = job.queuedAt ?? job.createdAt;
  return first ? { outcome, waitMs: Math.max(0, first.getTime() - joined.getTime()) } : { outcome };
}

/** Records the job's line as halted by it (the line's state is what the api and the reconciler read), and says so. */
async function haltLine(deps: ProcessDeps, job: JobDoc, log: Logger): Promise<void> {
  const line = lineOfJob(job);
  await store(deps, "halt line", () =>
    stopLine(deps.db, {
      queue: job.queue,
      line,
      ownerId: job.ownerId,
      ...(job.group !== undefined ? { group: job.group } : {}),
      state: "halted",
      haltedJobId: job._id,
      now: new Date(),
    }),
  );
  deps.notify([{ ...changeOf(job), status: "failed", haltsLine: true }]);
  log.warn("job failed for good and halts its line until it is resumed", { line });
}

/** The run that ends now, and when its job may be removed. */
function ending(deps: ProcessDeps, job: JobDoc) {
  const now = new Date();
  return {
    id: job._id,
    attempts: job.attempts,
    now,
    expireAt: new Date(now.getTime() + deps.retentionMs),
    hasCallback: job.callback !== undefined,
  };
}

/** Counts a final state and its processing time, from the job's first start. */
function observeEnd(deps: ProcessDeps, job: JobDoc, outcome: JobOutcome) {
  deps.metrics.finished.inc({ type: job.type, outcome });
  const since = job.firstStartedAt ?? job.startedAt;
  const seconds = since ? Math.max(0, Date.now() - since.getTime()) / 1000 : 0;
  deps.metrics.processing.observe({ type: job.type, outcome }, seconds);
}

/** Shutdown ran out of grace: the job goes back to queued, to run next in its line. */
async function giveBack(deps: ProcessDeps, job: JobDoc, log: Logger): Promise<Settlement> {
  const returned = await store(deps, "requeue", () => requeueJob(deps.db, job._id, job.attempts, new Date()));
  if (returned) deps.notify([returnedChange(job)]);
  log.info("job given back to the head of its line for shutdown", { attempt: job.attempts });
  return { kind: "giveBack" };
}

function store<T>(deps: ProcessDeps, what: string, fn: () => Promise<T>): Promise<T> {
  // Retried while MongoDB is away, until shutdown's grace is over. Then the job simply stays in this worker's held
  // list, and the next start (or another worker) puts it back at the head of its line: nothing is lost by giving up.
  return persist(what, fn, { log: deps.log, stopped: deps.abort });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // fails the type's schema: the job fails at once as invalid_payload
  }
}
