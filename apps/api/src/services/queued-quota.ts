// The per-user cap on queued jobs (MAX_QUEUED_PER_USER). Counting in MongoDB on every submission would cost a round
// trip each, so the count is read at most once a second per user and the jobs this process accepted since are added
// to it. A burst can pass the cap by at most what other api processes accept for that user within the second.
import { countQueuedJobs, type Db } from "@lineup/db";
import { AppError } from "@lineup/errors";

const FRESH_MS = 1_000;

export type QueuedQuota = ReturnType<typeof createQueuedQuota>;

export function createQueuedQuota(deps: { db: Db; limit: number }) {
  const counts = new Map<string, { count: number; at: number }>();

  const forget = (now: number) => {
    for (const [owner, entry] of counts) if (now - entry.at >= FRESH_MS) counts.delete(owner);
  };

  return {
    /** Throws 429 quota_exceeded when the user has the cap's worth of jobs queued. */
    async check(ownerId: string): Promise<void> {
      const now = Date.now();
      let entry = counts.get(ownerId);
      if (!entry || now - entry.at >= FRESH_MS) {
        if (counts.size > 10_000) forget(now);
        entry = { count: await countQueuedJobs(deps.db, ownerId, deps.limit), at: now };
        counts.set(ownerId, entry);
      }
      if (entry.count >= deps.limit) {
        throw new AppError(429, "quota_exceeded", `You have ${deps.limit} jobs queued already; wait for some to run.`);
      }
    },

    /** A job of the user's was accepted: it counts until the next read. */
    accepted(ownerId: string): void {
      const entry = counts.get(ownerId);
      if (entry) entry.count += 1;
    },

    /** A queued job of the user's was canceled here: it no longer counts. */
    released(ownerId: string): void {
      const entry = counts.get(ownerId);
      if (entry) entry.count = Math.max(0, entry.count - 1);
    },
  };
}
