// The worker's two hot MongoDB writes, start and finish, grouped across slots (@lineup/db's groupCommit). Once a group is on
// record its changes are announced together, and a finish that makes a webhook due wakes the deliveries.
import { type Db, type FinishParams, finishJobs, groupCommit, type StartParams, startJobs } from "@lineup/db";
import { changeOf, type JobChange, type JobDoc } from "@lineup/jobs";
import { finishedChange } from "./changes";

export type JobWrites = {
  /**
   * queued -> running; null when the job is not queued (canceled, finished, or started by another run). `announced`:
   * the run's start was announced already (a quick run's, recorded late), so it is not announced again.
   */
  start(params: StartParams, options?: { announced?: boolean }): Promise<JobDoc | null>;
  /** Records the end of `job`'s run at `attempts`; false when a newer attempt owns the job. */
  finish(params: FinishParams, job: JobDoc): Promise<boolean>;
};

type Start = { params: StartParams; announced: boolean };
type Finish = { params: FinishParams; change: JobChange };

export function createJobWrites(
  db: Db,
  after: { notify: (changes: JobChange[]) => void; callbackDue: () => void },
): JobWrites {
  const start = groupCommit(async (batch: Start[]) => {
    const started = await startJobs(
      db,
      batch.map((s) => s.params),
    );
    after.notify(started.flatMap((doc, i) => (doc && !batch[i]?.announced ? [changeOf(doc)] : [])));
    return started;
  });
  const finish = groupCommit(async (batch: Finish[]) => {
    const recorded = await finishJobs(
      db,
      batch.map((f) => f.params),
    );
    const done = batch.filter((_, i) => recorded[i] === true);
    after.notify(done.map((f) => f.change));
    if (done.some((f) => f.params.hasCallback)) after.callbackDue();
    return recorded;
  });
  return {
    start: (params, options) => start({ params, announced: options?.announced === true }),
    async finish(params, job) {
      const recorded = await finish({ params, change: finishedChange(job, params) });
      if (recorded instanceof Error) throw recorded;
      return recorded;
    },
  };
}
