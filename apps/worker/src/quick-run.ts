// A quick run: a job's first run, begun without a recorded start. Its envelope carried what the run needs and this was
// its first take (Redis counts them; a cancel makes later takes run from the record), so its record is queued at
// attempts 0, as the api inserted it. A run that succeeds soon is then recorded by one write, its end, which records
// its start as well (fenced on that same state). Its start is recorded after all, with the usual fenced write, when
// the run outlives RECORD_START_AFTER_MS (so a GET shows a long job running), reports progress, or ends any other way
// than success. The start is announced when the run begins either way. A worker that dies during a quick run leaves
// its take counted in Redis ('again'): the next run counts the lost one as an attempt, as a recorded start would have.
import type { QuickStart } from "@lineup/db";
import type { JobDoc } from "@lineup/jobs";
import type { Envelope, RunData } from "@lineup/queue";

/** How long a quick run goes before its start is recorded anyway. */
export const RECORD_START_AFTER_MS = 250;

export type QuickRun = {
  /** The job as its start would have recorded it. */
  job: JobDoc;
  /**
   * The job as on record for a write other than the quick finish: its start is recorded first if it is not yet (once).
   * null when the record moved on meanwhile (an admin canceled the job, or another run took it over).
   */
  record(): Promise<JobDoc | null>;
  /** The start for the finish to record, when none was recorded; stops recording it late. Undefined once begun. */
  unrecorded(): QuickStart | undefined;
};

export function quickRun(deps: {
  env: Envelope & { run: RunData };
  queue: string;
  workerId: string;
  /** The fenced start write, not announced again. */
  recordStart: (start: QuickStart) => Promise<JobDoc | null>;
  /** A late start that could not be written: the run goes on; its end's write tells. */
  onError: (err: unknown) => void;
}): QuickRun {
  const { env, workerId } = deps;
  const run = env.run;
  const startedAt = new Date();
  const start: QuickStart = { seq: env.seq, workerId, startedAt };
  const job: JobDoc = {
    _id: env.id,
    queue: deps.queue,
    ownerId: run.owner,
    ...(run.group !== undefined ? { group: run.group } : {}),
    line: env.line,
    type: env.type,
    payloadJson: run.payload,
    status: "running",
    seq: env.seq,
    attempts: 1,
    maxAttempts: run.maxAttempts,
    createdAt: new Date(run.createdAt),
    startedAt,
    firstStartedAt: startedAt,
    ...(env.requestId !== undefined ? { requestId: env.requestId } : {}),
    workerId,
    history: [{ workerId, startedAt }],
    ...(run.onFailure ? { onFailure: run.onFailure } : {}),
    // Only its presence counts here (the end makes the delivery due); the url stays on record.
    ...(run.callback ? { callback: { url: "", status: "pending" as const, attempts: 0 } } : {}),
    ...(run.trace ? { trace: run.trace } : {}),
  };
  let recorded: Promise<JobDoc | null> | undefined;
  const record = () => {
    clearTimeout(timer);
    recorded ??= deps.recordStart(start).catch((err) => {
      recorded = undefined; // tried again by the next write that needs it
      throw err;
    });
    return recorded;
  };
  const timer = setTimeout(() => void record().catch(deps.onError), RECORD_START_AFTER_MS);
  return {
    job,
    record,
    unrecorded() {
      clearTimeout(timer);
      return recorded ? undefined : start;
    },
  };
}
