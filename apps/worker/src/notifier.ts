// Tells whoever waits on a job (the api's long-polls and event streams) that its state changed: every change goes to
// its owner's history and is announced on the queue's channel, in batches and in the order recorded, off the job's
// path. A change is sent only after the write that made it is on record.
import type { JobChange } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { EventLog } from "@lineup/queue";
import { isTransient, sleep } from "./persist";

export type Notifier = {
  /** Queues changes to send; never waits and never throws. */
  publish(changes: JobChange[]): void;
  /** Resolves once every queued change is sent, or after timeoutMs (shutdown). */
  drain(timeoutMs: number): Promise<void>;
};

// A worker cut off from Redis for long keeps this many changes at most; the oldest go first. Waiters fall back on
// reading the record when their wait ends, and streams on the history that is there.
const MAX_PENDING = 10_000;
const MAX_BATCH = 256;
// Changes are held this long before they go, so a quick job's start and end (and other slots' changes) share one
// PUBLISH: a few ms on a wait's answer, about one Redis command less per job.
const LINGER_MS = 5;

export function createNotifier(deps: { events: EventLog; log: Logger; offline: () => boolean }): Notifier {
  const pending: JobChange[] = [];
  let sending: Promise<void> | null = null;
  const stopped = new AbortController();

  async function send(): Promise<void> {
    await sleep(LINGER_MS, stopped.signal);
    for (let failures = 0; pending.length && !stopped.signal.aborted; ) {
      const batch = pending.slice(0, MAX_BATCH);
      try {
        await deps.events.publish(batch);
        pending.splice(0, batch.length);
        failures = 0;
      } catch (err) {
        if (!isTransient(err) && !deps.offline()) {
          deps.log.warn("could not announce job changes; dropped", { changes: batch.length, error: err });
          pending.splice(0, batch.length);
          continue;
        }
        failures += 1;
        await sleep(Math.min(100 * 2 ** failures, 2_000), stopped.signal);
      }
    }
  }

  return {
    publish(changes) {
      if (!changes.length) return;
      pending.push(...changes);
      if (pending.length > MAX_PENDING) {
        const dropped = pending.splice(0, pending.length - MAX_PENDING);
        deps.log.warn("too many job changes waiting for Redis; the oldest were dropped", { dropped: dropped.length });
      }
      sending ??= send().finally(() => {
        sending = null;
      });
    },

    async drain(timeoutMs) {
      const timer = setTimeout(() => stopped.abort(), timeoutMs);
      while (sending) await sending;
      clearTimeout(timer);
      stopped.abort();
    },
  };
}
