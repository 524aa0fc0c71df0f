// The api's two MongoDB writes per submission, group-committed (@lineup/db's groupCommit): inserts that arrive while
// one is in flight go out together in one unordered insertMany, and the seqs Redis assigned in one bulkWrite. A lone
// submission goes out at once. Each submission still waits for its own insert to be on record before its enqueue,
// and its 202 still follows both, so what a 202 promises does not change; a crash between the insert and the enqueue
// leaves a job the reconciler queues, as it did one write at a time.
import { type Db, groupCommit, insertEachJob, type RefusedDocument, setJobSeqs } from "@lineup/db";
import type { JobDoc } from "@lineup/jobs";

export type SubmitWrites = {
  /** Records the job; rejects with the job's own error (a duplicate key for a replayed Idempotency-Key, say). */
  insert(doc: JobDoc): Promise<void>;
  /** Records the seq Redis gave a queued job. */
  recordSeq(id: string, seq: number): Promise<void>;
};

export function createSubmitWrites(db: Db): SubmitWrites {
  const insert = groupCommit<JobDoc, RefusedDocument | null>((docs) => insertEachJob(db, docs));
  const recordSeqs = groupCommit<{ id: string; seq: number }, void>(async (seqs) => {
    await setJobSeqs(db, seqs);
    return seqs.map(() => undefined);
  });
  return {
    async insert(doc) {
      const refused = await insert(doc);
      if (refused) throw refused;
    },
    recordSeq: (id, seq) => recordSeqs({ id, seq }),
  };
}
