// Runs one reserved job to its recorded end: start (fenced), handler with timeout, retries in place, record, ack.
// Safe to call again with the same envelope after a crash or an error: every step is conditional.
import { type Db, findJob, finishJob, nextAttempt, requeueJob, startJob } from "@lineup/db";
import { catalog, isFinal, isJobType, type JobDoc, type JobErrorInfo } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import { decodeEnvelope, type Envelope, type Queue } from "@lineup/queue";
import type { Handlers } from "./handlers";
import { JobError } from "./handlers/types";
import { persist, sleep } from "./persist";

export type ProcessDeps = {
  db: Db;
  queue: Queue;
  workerId: string;
  handlers: Handlers;
  log: Logger;
  jobTimeoutMs: number;
  retryBackoffMs: number;
  allowPrivateNetworks: boolean;
  /** Aborts when shutdown's grace period is over: the job in hand goes back to the head. */
  abort: AbortSignal;
  now?: () => Date;
};

export type Outcome = "succeeded" | "failed" | "skipped" | "malformed" | "orphan" | "returned";

export async function processEnvelope(deps: ProcessDeps, raw: string): Promise<Outcome> {
  const env = decodeEnvelope(raw);
  if (!env) {
    // Sidekiq's rule: what cannot be parsed will not parse next time either. Dead-letter it, never retry.
    deps.log.error("malformed envelope dead-lettered", { envelope: raw.slice(0, 200) });
    await store(deps, "dead-letter malformed", () => deps.queue.finish(deps.workerId, raw, true));
    return "malformed";
  }
  const log = deps.log.child({ jobId: env.id, seq: env.seq, type: env.type, requestId: env.requestId });
  const job = await claim(deps, env, raw, log);
  if (typeof job === "string") {
    await store(deps, "ack", () => deps.queue.finish(deps.workerId, raw));
    return job;
  }
  return run(deps, raw, job, log);
}

/** queued -> running, or the takeover of a job a crashed run left running. A string says why there is nothing to run. */
async function claim(
  deps: ProcessDeps,
  env: Envelope,
  raw: string,
  log: Logger,
): Promise<JobDoc | "skipped" | "orphan" | "failed"> {
  const now = deps.now ?? (() => new Date());
  const started = await store(deps, "start", () =>
    startJob(deps.db, { id: env.id, seq: env.seq, workerId: deps.workerId, now: now() }),
  );
  if (started) return started;
  const current = await store(deps, "read", () => findJob(deps.db, env.id));
  if (!current) {
    // Redis holds a job MongoDB never kept (the api answered 503 and undid its insert).
    log.warn("envelope without a job record dropped");
    return "orphan";
  }
  if (isFinal(current.status)) {
    log.info(current.status === "canceled" ? "canceled job skipped" : "job already recorded; envelope acked");
    return "skipped";
  }
  if (current.status === "queued") return claim(deps, env, raw, log); // queued again between our two reads
  // running: an earlier run died mid-job (or was cut off). That run counted as an attempt.
  if (current.attempts >= current.maxAttempts) {
    await store(deps, "record failure", () =>
      finishJob(deps.db, {
        id: env.id,
        attempts: current.attempts,
        now: now(),
        status: "failed",
        error: { code: "attempts_exhausted", message: "the worker stopped during the last allowed attempt" },
      }),
    );
    await store(deps, "dead-letter", () => deps.queue.finish(deps.workerId, raw, true));
    log.warn("job failed: its last attempt was interrupted");
    return "failed";
  }
  const taken = await store(deps, "take over", () =>
    nextAttempt(deps.db, { id: env.id, attempts: current.attempts, workerId: deps.workerId, now: now() }),
  );
  if (!taken) return claim(deps, env, raw, log);
  log.warn("job taken over after an interrupted attempt", { attempt: taken.attempts });
  return taken;
}

async function run(deps: ProcessDeps, raw: string, first: JobDoc, log: Logger): Promise<Outcome> {
  const now = deps.now ?? (() => new Date());
  const type = first.type;
  const schema = isJobType(type) ? catalog[type] : undefined;
  const parsed = schema?.safeParse(first.payload);
  if (!schema || !parsed?.success) {
    await record(
      deps,
      first,
      { code: "invalid_payload", message: schema ? "payload fails its type's schema" : `unknown job type ${type}` },
      raw,
    );
    log.error("job failed at once: its payload cannot be run");
    return "failed";
  }
  let job = first;
  for (;;) {
    const outcome = await attempt(deps, job, parsed.data, log);
    if (outcome.ok) {
      const recorded = await store(deps, "record success", () =>
        finishJob(deps.db, {
          id: job._id,
          attempts: job.attempts,
          now: now(),
          status: "succeeded",
          result: outcome.result,
        }),
      ).catch(async (err) => {
        // A result MongoDB will not store (too large, say) still ends the job, as a failure.
        log.error("result could not be stored", { error: err });
        return record(deps, job, { code: "result_not_stored", message: "the result could not be stored" }, raw, false);
      });
      if (!recorded) log.warn("a newer attempt owns the job; this result was not recorded");
      await store(deps, "ack", () => deps.queue.finish(deps.workerId, raw));
      log.info("job succeeded", { attempt: job.attempts });
      return "succeeded";
    }
    if (deps.abort.aborted) return giveBack(deps, raw, job, log);
    const error = outcome.error;
    if (!error.retryable || job.attempts >= job.maxAttempts) {
      await record(deps, job, { code: error.code, message: error.message }, raw);
      log.warn("job failed", { attempt: job.attempts, code: error.code });
      return "failed";
    }
    log.info("attempt failed; retrying in place", { attempt: job.attempts, code: error.code });
    await sleep(Math.min(deps.retryBackoffMs * 2 ** (job.attempts - 1), 30_000), deps.abort);
    if (deps.abort.aborted) return giveBack(deps, raw, job, log);
    const next = await store(deps, "next attempt", () =>
      nextAttempt(deps.db, {
        id: job._id,
        attempts: job.attempts,
        workerId: deps.workerId,
        now: now(),
        lastError: { code: error.code, message: error.message },
      }),
    );
    if (!next) {
      log.warn("a newer attempt owns the job; stepping back");
      await store(deps, "ack", () => deps.queue.finish(deps.workerId, raw));
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
    if (timeout.aborted)
      return {
        ok: false,
        error: new JobError("timeout", `no result within ${deps.jobTimeoutMs} ms`, { retryable: true }),
      };
    if (deps.abort.aborted)
      return { ok: false, error: new JobError("aborted", "the worker is stopping", { retryable: true }) };
    log.error("handler threw", { error: err });
    return {
      ok: false,
      error: new JobError("handler_error", "the handler failed unexpectedly", { retryable: true, cause: err }),
    };
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Records a final failure and dead-letters the envelope. */
async function record(deps: ProcessDeps, job: JobDoc, error: JobErrorInfo, raw: string, ack = true): Promise<boolean> {
  const now = deps.now ?? (() => new Date());
  const recorded = await store(deps, "record failure", () =>
    finishJob(deps.db, { id: job._id, attempts: job.attempts, now: now(), status: "failed", error }),
  );
  if (ack) await store(deps, "dead-letter", () => deps.queue.finish(deps.workerId, raw, true));
  return recorded;
}

/** Shutdown ran out of grace: the job goes back to queued, at the head of the queue, to run next. */
async function giveBack(deps: ProcessDeps, raw: string, job: JobDoc, log: Logger): Promise<Outcome> {
  const plain = { log: deps.log, stopped: new AbortController().signal };
  await persist("requeue", () => requeueJob(deps.db, job._id, job.attempts), plain);
  await persist("return to head", () => deps.queue.returnToHead(deps.workerId, raw), plain);
  log.info("job returned to the head of the queue for shutdown", { attempt: job.attempts });
  return "returned";
}

function store<T>(deps: ProcessDeps, what: string, fn: () => Promise<T>): Promise<T> {
  // Recording is not abandoned on shutdown: a result already produced must reach MongoDB.
  return persist(what, fn, { log: deps.log, stopped: new AbortController().signal });
}
