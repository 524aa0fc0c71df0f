// The per-user cap on queued jobs (MAX_QUEUED_PER_USER). Counting in MongoDB on every submission would cost a round
// trip each, so the count is read at most once a second per user and the jobs this process accepted since are added
// to it. A burst can pass the cap by at most what other api processes accept for that user within the second.
import { countQueuedJobs, type Db } from "@lineup/db";
import { AppError } from "@lineup/errors";

const FRESH_MS = 1_000;

export type QueuedQuota = ReturnType<typeof createQueuedQuota>;

/** `adding` jobs (one, or a batch's) would take a user who has `queued` past the cap. */
export function quotaExceeded(limit: number, queued: number, adding = 1): AppError {
  const message =
    adding === 1
      ? `You have ${limit} jobs queued already; wait for some to run.`
      : `These ${adding} jobs would take you past ${limit} queued jobs (you have ${queued}); wait for some to run.`;
  return new AppError(429, "quota_exceeded", message);
}

export function createQueuedQuota(deps: { db: Db; limit: number }) {
  const counts = new Map<string, { count: number; at: number }>();

  const forget = (now: number) => {
    for (const [owner, entry] of counts) if (now - entry.at >= FRESH_MS) counts.delete(owner);
  };

  return {
    /** Throws 429 quota_exceeded when `adding` more jobs would pass the cap (a batch counts whole). */
    async check(ownerId: string, adding = 1): Promise<void> {
      const now = Date.now();
      let entry = counts.get(ownerId);
      if (!entry || now - entry.at >= FRESH_MS) {
        if (counts.size > 10_000) forget(now);
        entry = { count: await countQueuedJobs(deps.db, ownerId, deps.limit), at: now };
        counts.set(ownerId, entry);
      }
      if (entry.count + adding > deps.limit) throw quotaExceeded(deps.limit, entry.count, adding);
    },

    /** Jobs of the user's were accepted: they count until the next read. */
    accepted(ownerId: string, jobs = 1): void {
      const entry = counts.get(ownerId);
      if (entry) entry.count += jobs;
    },

    /** A queued job of the user's was canceled here: it no longer counts. */
    released(ownerId: string): void {
      const entry = counts.get(ownerId);
      if (entry) entry.count = Math.max(0, entry.count - 1);
    },
  };
}
