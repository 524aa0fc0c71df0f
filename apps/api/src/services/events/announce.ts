// Announces the state changes the api itself records (a user's cancel; an admin's cancel or retry), as the worker
// does its own: to the owner's history and the queue's channel. Best effort and off the answer's path: a change that
// cannot be announced is still on record, where waits and streams find it.
import { changeOf, type JobDoc } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { EventLog } from "@lineup/queue";

export type Announce = (doc: JobDoc) => void;

export function createAnnounce(events: EventLog, log: Logger): Announce {
  return (doc) => {
    events
      .publish([changeOf(doc)])
      .catch((err) => log.warn("could not announce a job change", { jobId: doc._id, error: (err as Error).message }));
  };
}
