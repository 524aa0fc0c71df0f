// Where a queued job stands: the jobs ahead of it in its line (one bounded count over an index) and a rough time to
// done from the queue's recent run times (one small read, shared by every request for ETA_CACHE_MS).
import { countAhead, type Db, recentRunTimes } from "@lineup/db";
import { type JobDoc, type JobView, lineOfJob } from "@lineup/jobs";

/** Counted no further: a line this long is "10000 or more" ahead. */
export const MAX_POSITION = 10_000;
const RECENT_RUNS = 100;
const ETA_CACHE_MS = 10_000;

export type Positions = (doc: JobDoc, view: JobView) => Promise<JobView>;

export function createPositions(deps: { db: Db; queue: string; now?: () => number }): Positions {
  const now = deps.now ?? Date.now;
  let mean: { ms: number | null; at: number } | null = null;
  let reading: Promise<number | null> | null = null;

  async function meanRunMs(): Promise<number | null> {
    if (mean && now() - mean.at < ETA_CACHE_MS) return mean.ms;
    reading ??= (async () => {
      try {
        const runs = await recentRunTimes(deps.db, deps.queue, RECENT_RUNS);
        const ms = runs.length ? runs.reduce((a, b) => a + b, 0) / runs.length : null;
        mean = { ms, at: now() };
        return ms;
      } finally {
        reading = null;
      }
    })();
    return reading;
  }
  return async (doc, view) => {
    if (doc.status !== "queued" || doc.seq === undefined) return view;
    const [position, ms] = await Promise.all([
      countAhead(deps.db, { queue: doc.queue, line: lineOfJob(doc), seq: doc.seq, upTo: MAX_POSITION }),
      meanRunMs(),
    ]);
    const { callback, ...rest } = view;
    return {
      ...rest,
      position,
      ...(ms === null ? {} : { etaSeconds: Math.max(0, Math.round(((position + 1) * ms) / 1000)) }),
      ...(callback ? { callback } : {}),
    };
  };
}
