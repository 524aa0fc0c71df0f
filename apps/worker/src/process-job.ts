// Runs one reserved job to its recorded end: start (fenced), handler with timeout, retries in place, record, ack.
// Safe to call again with the same envelope after a crash or an error: every step is conditional.
import { type Db, findJob, finishJob, nextAttempt, requeueJob, startJob } from "@lineup/db";
import { catalog, isFinal, isJobType, type JobDoc, type JobErrorInfo } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { JobOutcome, WorkerJobMetrics } from "@lineup/metrics";
import { decodeEnvelope, type Envelope, type Queue } from "@lineup/queue";
import type { Handlers } from "./handlers";
import { JobError } from "./handlers/types";
import type { OrderCheck } from "./order-check";
import { persist, sleep } from "./persist";

export type ProcessDeps = {
  db: Db;
  queue: Queue;
  workerId: string;
  handlers: Handlers;
  log: Logger;
  metrics: WorkerJobMetrics;
  order: OrderCheck;
  jobTimeoutMs: number;
  retryBackoffMs: number;
  allowPrivateNetworks: boolean;
  /** Aborts when shutdown's grace period is over: the job in hand goes back to the head. */
  abort: AbortSignal;
};

export type Outcome = "succeeded" | "failed" | "skipped" | "malformed" | "orphan" | "returned";

export async function processEnvelope(deps: ProcessDeps, raw: string): Promise<Outcome> {
  const env = decodeEnvelope(raw);
  if (!env) {
    // Sidekiq's rule: what cannot be parsed will not parse next time either. Dead-letter it, never retry.
    deps.log.error("malformed envelope dead-lettered", { envelope: raw.slice(0, 200) });
    await store(deps, "dead-letter malformed", () => deps.queue.finish(deps.workerId, raw, { dead: true }));
    deps.metrics.deadLettered.inc({ type: "unknown" });
    return "malformed";
  }
  const log = deps.log.child({ jobId: env.id, seq: env.seq, type: env.type, requestId: env.requestId });
  const job = await claim(deps, env, raw, log);
  if (typeof job === "string") {
    await ack(deps, raw, env);
    return job;
  }
  return run(deps, raw, env, job, log);
}

/** queued -> running, or the takeover of a job a crashed run left running. A string says why there is nothing to run. */
async function claim(
  deps: ProcessDeps,
  env: Envelope,
  raw: string,
  log: Logger,
): Promise<JobDoc | "skipped" | "orphan" | "failed"> {
  const started = await store(deps, "start", () =>
    startJob(deps.db, { id: env.id, seq: env.seq, workerId: deps.workerId, now: new Date() }),
  );
  if (started) {
    deps.order.observe(env.seq);
    deps.metrics.wait.observe({ type: env.type }, Math.max(0, Date.now() - env.enqueuedAt) / 1000);
    return started;
  }
  const current = await store(deps, "read", () => findJob(deps.db, env.id));
  if (!current) {
    // Redis holds a job MongoDB never kept (the api answered 503 and undid its insert).
    log.warn("envelope without a job record dropped");
    return "orphan";
  }
  if (isFinal(current.status)) {
    if (current.status === "canceled") {
      log.info("canceled job skipped");
      deps.metrics.finished.inc({ type: current.type, outcome: "canceled" });
    } else {
      log.info("job already recorded; envelope acked");
    }
    return "skipped";
  }
  if (current.status === "queued") return claim(deps, env, raw, log); // queued again between our two reads
  // running: an earlier run died mid-job (or was cut off). That run counted as an attempt.
  deps.order.observe(env.seq);
  if (current.attempts >= current.maxAttempts) {
    const error = { code: "attempts_exhausted", message: "the worker stopped during the last allowed attempt" };
    await recordFailure(deps, current, error, raw, env);
    log.warn("job failed: its last attempt was interrupted");
    return "failed";
  }
  const taken = await store(deps, "take over", () =>
    nextAttempt(deps.db, { id: env.id, attempts: current.attempts, workerId: deps.workerId, now: new Date() }),
  );
  if (!taken) return claim(deps, env, raw, log);
  log.warn("job taken over after an interrupted attempt", { attempt: taken.attempts });
  return taken;
}

async function run(deps: ProcessDeps, raw: string, env: Envelope, first: JobDoc, log: Logger): Promise<Outcome> {
  const type = first.type;
  const schema = isJobType(type) ? catalog[type] : undefined;
  const parsed = schema?.safeParse(parseJson(first.payloadJson));
  if (!schema || !parsed?.success) {
    const message = schema ? "payload fails its type's schema" : `unknown job type ${type}`;
    await recordFailure(deps, first, { code: "invalid_payload", message }, raw, env, first.startedAt);
    log.error("job failed at once: its payload cannot be run");
    return "failed";
  }
  let job = first;
  for (;;) {
    deps.metrics.started.inc({ type });
    const outcome = await attempt(deps, job, parsed.data, log);
    if (outcome.ok) {
      const recorded = await store(deps, "record success", () =>
        finishJob(deps.db, {
          id: job._id,
          attempts: job.attempts,
          now: new Date(),
          status: "succeeded",
          result: outcome.result,
        }),
      ).catch(async (err) => {
        // A result MongoDB will not store (too large, say) still ends the job, as a failure.
        log.error("result could not be stored", { error: err });
        const error = { code: "result_not_stored", message: "the result could not be stored" };
        await recordFailure(deps, job, error, raw, env, first.startedAt);
        return null;
      });
      if (recorded === null) return "failed";
      if (!recorded) log.warn("a newer attempt owns the job; this result was not recorded");
      await ack(deps, raw, env);
      if (recorded) observeEnd(deps, job.type, "succeeded", first.startedAt);
      log.info("job succeeded", { attempt: job.attempts });
      return "succeeded";
    }
    if (deps.abort.aborted) return giveBack(deps, raw, job, log);
    const error = outcome.error;
    if (!error.retryable || job.attempts >= job.maxAttempts) {
      await recordFailure(deps, job, { code: error.code, message: error.message }, raw, env, first.startedAt);
      log.warn("job failed", { attempt: job.attempts, code: error.code });
      return "failed";
    }
    log.info("attempt failed; retrying in place", { attempt: job.attempts, code: error.code });
    deps.metrics.retries.inc({ type });
    await sleep(Math.min(deps.retryBackoffMs * 2 ** (job.attempts - 1), 30_000), deps.abort);
    if (deps.abort.aborted) return giveBack(deps, raw, job, log);
    const next = await store(deps, "next attempt", () =>
      nextAttempt(deps.db, {
        id: job._id,
        attempts: job.attempts,
        workerId: deps.workerId,
        now: new Date(),
        lastError: { code: error.code, message: error.message },
      }),
    );
    if (!next) {
      log.warn("a newer attempt owns the job; stepping back");
      await ack(deps, raw, env);
      return "skipped";
    }
    job = next;
  }
}

type Attempt = { ok: true; result: unknown } | { ok: false; error: JobError };

async function attempt(deps: ProcessDeps, job: JobDoc, payload: unknown, log: Logger): Promise<Attempt> {
  const handler = deps.handlers[job.type as keyof Handlers] as (p: unknown, c: unknown) => Promise<unknown>;
  const timeout = AbortSignal.timeout(deps.jobTimeoutMs);
  const signal = AbortSignal.any([timeout, deps.abort]);
  const ctx = { jobId: job._id, attempt: job.attempts, signal, log, allowPrivateNetworks: deps.allowPrivateNetworks };
  try {
    // Raced against the signal so a handler that ignores it cannot hold the queue past its time.
    const result = await Promise.race([handler(payload, ctx), rejectOnAbort(signal)]);
    return { ok: true, result: result === undefined ? null : result };
  } catch (err) {
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

/** Records a final failure and dead-letters the envelope. */
async function recordFailure(
  deps: ProcessDeps,
  job: JobDoc,
  error: JobErrorInfo,
  raw: string,
  env: Envelope,
  since = job.startedAt,
) {
  const recorded = await store(deps, "record failure", () =>
    finishJob(deps.db, { id: job._id, attempts: job.attempts, now: new Date(), status: "failed", error }),
  );
  await store(deps, "dead-letter", () => deps.queue.finish(deps.workerId, raw, { dead: true, seq: env.seq }));
  deps.metrics.deadLettered.inc({ type: job.type });
  if (recorded) observeEnd(deps, job.type, "failed", since);
}

/** Counts a final state and its processing time, measured from the first start this worker saw. */
function observeEnd(deps: ProcessDeps, type: string, outcome: JobOutcome, since: Date | undefined) {
  deps.metrics.finished.inc({ type, outcome });
  const seconds = since ? Math.max(0, Date.now() - since.getTime()) / 1000 : 0;
  deps.metrics.processing.observe({ type, outcome }, seconds);
}

/** Shutdown ran out of grace: the job goes back to queued, at the head of the queue, to run next. */
async function giveBack(deps: ProcessDeps, raw: string, job: JobDoc, log: Logger): Promise<Outcome> {
  await store(deps, "requeue", () => requeueJob(deps.db, job._id, job.attempts));
  await store(deps, "return to head", () => deps.queue.returnToHead(deps.workerId, raw));
  log.info("job returned to the head of the queue for shutdown", { attempt: job.attempts });
  return "returned";
}

/** The job reached its end on record (or has nothing to run): take it off this worker's list. */
function ack(deps: ProcessDeps, raw: string, env: Envelope): Promise<void> {
  return store(deps, "ack", () => deps.queue.finish(deps.workerId, raw, { seq: env.seq }));
}

function store<T>(deps: ProcessDeps, what: string, fn: () => Promise<T>): Promise<T> {
  // Retried while MongoDB or Redis is away, until shutdown's grace is over. Then the job simply stays in this
  // worker's processing list, and the next start puts it back at the head: nothing is lost by giving up.
  return persist(what, fn, { log: deps.log, stopped: deps.abort });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // fails the type's schema: the job fails at once as invalid_payload
  }
}
