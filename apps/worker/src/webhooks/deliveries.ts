// The webhook deliveries of a worker, beside its slots and never in a line's way: claim a due webhook (a lease in
// MongoDB, so no two workers send the same attempt), send it, record how it went. Claims pass over the owners and
// receivers that have their share in flight (in-flight.ts), so a receiver that never answers holds up only its own
// owner's webhooks; a failed attempt backs off on its own. Woken when this worker makes one due or a delivery ends;
// otherwise it looks every second for retries that came due and for claims whose worker died.
import { claimDueCallback, type Db, recordCallback } from "@lineup/db";
import { callbackTargetOf, type JobDoc } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { WebhookMetrics } from "@lineup/metrics";
import type { Tracing } from "@lineup/tracing";
import { sleep } from "../persist";
import { type DeliveryResult, deliver } from "./deliver";
import { createInFlight } from "./in-flight";

export type DeliveriesDeps = {
  db: Db;
  /** The queue whose jobs' webhooks this worker delivers. */
  queue: string;
  log: Logger;
  metrics: WebhookMetrics;
  allowedNetworks: readonly string[];
  timeoutMs: number;
  /** First retry delay; doubles per attempt, at most MAX_DELAY_MS. */
  retryBaseMs: number;
  /** A webhook is retried until this long after its job became final, then given up. */
  retryWindowMs: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** A span per delivery attempt, in its job's trace. */
  tracing?: Tracing;
};

const POLL_MS = 1_000;
// A delivery mostly waits on its receiver, so a worker can have many in flight. At most two per owner and per
// receiver (host:port): a user whose receiver hangs takes two of the sixteen, so it would take eight such users at
// once to hold everyone else's up, for a delivery's time limit. Two rather than one, so that a single slow delivery
// does not stop the rest of its owner's webhooks altogether.
const CONCURRENCY = 16;
const PER_OWNER = 2;
const PER_TARGET = 2;
const MAX_DELAY_MS = 2 * 3600_000;
// A claim lasts the delivery's time limit and a margin; a worker that dies with one leaves it due again after that.
const LEASE_MARGIN_MS = 30_000;

export function createDeliveries(deps: DeliveriesDeps) {
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const concurrency = deps.concurrency ?? CONCURRENCY;
  const shares = createInFlight({ perOwner: PER_OWNER, perTarget: PER_TARGET });
  let nudge: (() => void) | null = null;
  // A wake-up that came while the loop was busy claiming: the next rest is skipped.
  let woken = false;
  let loop: Promise<void> | null = null;

  /** Waits for a poll's time, a wake-up, or a free place; resolves early on stop. */
  function rest(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        nudge = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      nudge = done;
      if (stopping.signal.aborted || woken) done();
      woken = false;
    });
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      if (inFlight.size >= concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      let job: JobDoc | null;
      try {
        job = await claim();
      } catch (err) {
        deps.log.warn("could not claim a webhook delivery; retrying", { error: (err as Error).message });
        await sleep(POLL_MS, stopping.signal);
        continue;
      }
      if (!job) {
        // Nothing due, or only webhooks of owners and receivers at their share: a delivery that ends wakes this.
        await rest(POLL_MS);
        continue;
      }
      const owner = job.ownerId;
      const target = job.callback?.target ?? callbackTargetOf(job.callback?.url ?? "");
      shares.add(owner, target);
      const sending: Promise<void> = attempt(job).finally(() => {
        inFlight.delete(sending);
        shares.remove(owner, target);
        // wake, not just nudge: one that ends while the loop is claiming is not missed until the next poll.
        wake();
      });
      inFlight.add(sending);
    }
  }

  /** The next due webhook this worker may send now, owners with fewer in flight first; null when none. */
  async function claim(): Promise<JobDoc | null> {
    const leaseMs = deps.timeoutMs + LEASE_MARGIN_MS;
    const now = new Date();
    for (const skips of shares.claimOrder()) {
      const job = await claimDueCallback(deps.db, { queue: deps.queue, now, leaseMs, ...skips });
      if (job) return job;
    }
    return null;
  }

  async function attempt(job: JobDoc): Promise<void> {
    const callback = job.callback;
    if (!callback) return;
    const log = deps.log.child({ jobId: job._id, attempt: callback.attempts });
    const result = await deliver(deps, job).catch(
      (err): DeliveryResult => ({ ok: false, final: false, error: `delivery failed: ${(err as Error).message}` }),
    );
    const outcome = outcomeOf(result, job, callback.attempts);
    deps.metrics.deliveries.inc({ outcome: outcome.status });
    try {
      const recorded = await recordCallback(deps.db, { id: job._id, attempts: callback.attempts, outcome });
      if (!recorded) log.warn("a webhook attempt's lease ran out before its outcome was recorded");
    } catch (err) {
      // The claim's lease runs out and the attempt is made again: at least once, as the receivers are told.
      log.warn("could not record a webhook attempt; it will be tried again", { error: (err as Error).message });
      return;
    }
    // Look again when this retry is due rather than at the poll after.
    if (outcome.status === "retry") setTimeout(wake, Math.max(0, outcome.dueAt.getTime() - Date.now())).unref();
    if (outcome.status === "delivered") log.info("webhook delivered");
    else log.warn(`webhook ${outcome.status === "retry" ? "attempt failed; retrying later" : "given up"}`, outcome);
  }

  function outcomeOf(result: DeliveryResult, job: JobDoc, attempts: number) {
    const now = Date.now();
    if (result.ok) return { status: "delivered" as const, at: new Date(now) };
    const dueAt = now + Math.min(deps.retryBaseMs * 2 ** (attempts - 1), MAX_DELAY_MS);
    const since = job.finishedAt?.getTime() ?? now;
    if (result.final || dueAt > since + deps.retryWindowMs) return { status: "failed" as const, error: result.error };
    return { status: "retry" as const, error: result.error, dueAt: new Date(dueAt) };
  }

  /** A webhook just came due here: look now rather than at the next poll. */
  function wake(): void {
    woken = true;
    nudge?.();
  }

  return {
    start(): void {
      loop ??= run();
    },
    wake,
    /** Stops claiming; deliveries in flight finish (each within its time limit). */
    async stop(): Promise<void> {
      stopping.abort();
      nudge?.();
      await loop;
      await Promise.allSettled(inFlight);
    },
  };
}
