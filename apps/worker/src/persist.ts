// Retries a MongoDB or Redis call while the server is unreachable, so a job in hand is never dropped
// because a backing service blinked. Other errors are thrown at once.
import { isMongoUnavailable } from "@lineup/db";
import type { Logger } from "@lineup/log";
import { isRedisUnavailable } from "@lineup/queue";

export class StoppedError extends Error {
  constructor() {
    super("worker is stopping");
    this.name = "StoppedError";
  }
}

export async function persist<T>(
  what: string,
  fn: () => Promise<T>,
  deps: {
    log: Logger;
    stopped: AbortSignal;
    /** True while a connection is down: whatever failed then is worth retrying. */
    offline?: () => boolean;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) && !deps.offline?.()) throw err;
      if (deps.stopped.aborted) throw new StoppedError();
      deps.log.warn("backing service unavailable; retrying", { what, attempt, error: (err as Error).message });
      await sleep(Math.min(100 * 2 ** attempt, 2_000), deps.stopped);
    }
  }
}

export function isTransient(err: unknown): boolean {
  return isMongoUnavailable(err) || isRedisUnavailable(err);
}

/** Resolves after ms, or early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
