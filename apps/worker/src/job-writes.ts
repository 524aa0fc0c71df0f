// The worker's two hot MongoDB writes, start and finish, grouped across slots (group-commit.ts).
import { type Db, type FinishParams, finishJobs, type StartParams, startJobs } from "@lineup/db";
import type { JobDoc } from "@lineup/jobs";
import { groupCommit } from "./group-commit";

export type JobWrites = {
  /** queued -> running; null when the job is not queued (canceled, finished, or started by another run). */
  start(params: StartParams): Promise<JobDoc | null>;
  /** Records the end of the run at `attempts`; false when a newer attempt owns the job. */
  finish(params: FinishParams): Promise<boolean>;
};

export function createJobWrites(db: Db): JobWrites {
  const start = groupCommit((batch: StartParams[]) => startJobs(db, batch));
  const finish = groupCommit((batch: FinishParams[]) => finishJobs(db, batch));
  return {
    start,
    async finish(params) {
      const recorded = await finish(params);
      if (recorded instanceof Error) throw recorded;
      return recorded;
    },
  };
}
