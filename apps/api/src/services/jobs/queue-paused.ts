// Whether the queue is paused, for submissions' X-Queue-Paused (/readyz reads Redis itself: probes are few). Read from
// Redis at most once a second, and "not paused" when Redis cannot say: it decorates answers, it never fails them.
import type { Queue } from "@lineup/queue";

const FRESH_MS = 1_000;

export function createPausedView(queue: Queue): () => Promise<boolean> {
  let known: { paused: boolean; at: number } | null = null;
  return async () => {
    if (known && Date.now() - known.at < FRESH_MS) return known.paused;
    const paused = await queue.isPaused().catch(() => false);
    known = { paused, at: Date.now() };
    return paused;
  };
}
