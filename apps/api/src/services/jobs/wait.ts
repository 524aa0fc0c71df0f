// Long-poll: GET /v1/jobs/{id}?wait=<seconds> answers once the job is final or the wait is over. It listens for the
// job's change announcements (change-feed.ts) before it reads the record, so a change between the two is not missed,
// and reads the record again only when a change says final (or the feed had a break): no polling of MongoDB.
import { type Db, findOwnJob } from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import { isFinal, isJobId, type JobDoc, type JobView, toJobView } from "@lineup/jobs";
import type { EventMetrics } from "@lineup/metrics";
import type { UserSlots } from "@lineup/queue";
import type { ChangeFeed } from "../events";
import type { Positions } from "./position";

export type WaitDeps = {
  db: Db;
  feed: ChangeFeed;
  positions: Positions;
  metrics: EventMetrics;
  /** Long-polls one process holds at once (LONG_POLLS_MAX). */
  maxOpen: number;
  /** The user's long-polls across every api process (LONG_POLLS_PER_USER of them at most). */
  slots: UserSlots;
  perUser: number;
  /** Aborted when the api shuts down: every wait answers at once, with the job as it is. */
  closing: AbortSignal;
};

export const tooManyWaits = (limit: number) =>
  new AppError(429, "too_many_waits", `You have ${limit} requests waiting on jobs already; wait for one to end.`, {
    headers: { "retry-after": "1" },
  });

export const tooManyWaiting = () =>
  new AppError(503, "unavailable", "Too many requests are waiting on this server; try again shortly.", {
    headers: { "retry-after": "1" },
  });

const noSuchJob = () => errors.notFound("No such job.");

export function createWaits(deps: WaitDeps) {
  let open = 0;

  async function read(ownerId: string, id: string): Promise<JobDoc> {
    const doc = await findOwnJob(deps.db, id, ownerId);
    if (!doc) throw noSuchJob();
    return doc;
  }

  const answer = async (doc: JobDoc): Promise<JobView> => deps.positions(doc, toJobView(doc));

  return {
    /** The job now, with its position when it is queued. */
    async get(ownerId: string, id: string): Promise<JobView> {
      if (!isJobId(id)) throw noSuchJob();
      return answer(await read(ownerId, id));
    },

    /** The job once it is final, or as it is when `seconds` are over (or the client left, or the api stops). */
    async wait(ownerId: string, id: string, seconds: number, signal: AbortSignal): Promise<JobView> {
      if (!isJobId(id)) throw noSuchJob();
      if (open >= deps.maxOpen) throw tooManyWaiting();
      // The wait's slot among the user's, for as long as it can last (its seconds and a margin); no renewing.
      const slot = await deps.slots.take(ownerId).catch((err) => {
        throw errors.unavailable("A backing service is unavailable; try again shortly.", undefined, err);
      });
      if (!slot) throw tooManyWaits(deps.perUser);
      open += 1;
      deps.metrics.longPolls.inc();
      let wake: () => void = () => {};
      let woken = false;
      let over = false;
      const nudge = () => {
        woken = true;
        wake();
      };
      const stop = () => {
        over = true;
        wake();
      };
      // Listening first: a change recorded after the read below is heard.
      const offJob = deps.feed.onJob(id, (change) => {
        if (isFinal(change.status)) nudge();
      });
      const offGap = deps.feed.onGap(nudge);
      const timer = setTimeout(stop, seconds * 1000);
      signal.addEventListener("abort", stop);
      deps.closing.addEventListener("abort", stop);
      if (signal.aborted || deps.closing.aborted) over = true;
      try {
        let doc = await read(ownerId, id);
        while (!isFinal(doc.status) && !over) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (woken || over) resolve();
          });
          woken = false;
          doc = await read(ownerId, id);
        }
        return await answer(doc);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", stop);
        deps.closing.removeEventListener("abort", stop);
        offJob();
        offGap();
        open -= 1;
        deps.metrics.longPolls.dec();
        void deps.slots.release(ownerId, slot).catch(() => {});
      }
    },
  };
}

export type Waits = ReturnType<typeof createWaits>;
