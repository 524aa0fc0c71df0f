// Reads a job for a change announcement: every listener of one change (the long-polls and streams of its job and its
// owner) shares one MongoDB read of it.
import { type Db, findJob } from "@lineup/db";
import type { JobDoc } from "@lineup/jobs";

export type JobReader = (id: string) => Promise<JobDoc | null>;

export function createJobReader(db: Db): JobReader {
  const inFlight = new Map<string, Promise<JobDoc | null>>();
  return (id) => {
    let read = inFlight.get(id);
    if (!read) {
      read = findJob(db, id).finally(() => inFlight.delete(id));
      inFlight.set(id, read);
    }
    return read;
  };
}
