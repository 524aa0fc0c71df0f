// A handler's progress reports (ctx.progress): each is announced at once, so event streams show it as it happens,
// while the job's record gets at most about one write a second, the latest report then; a chatty handler costs a
// message per report and little else. The last report is on record before the job's end is.
import { type Db, recordProgress } from "@lineup/db";
import { changeOf, type JobChange, type JobDoc } from "@lineup/jobs";

const WRITE_EVERY_MS = 1_000;
const MAX_MESSAGE = 200;

export type Progress = {
  /** Reports how far the job got: percent 0 to 100 (clamped), and a short word on what it does (200 characters). */
  report(percent: number, message?: string): void;
  /** Writes the last report if it is not on record yet (before the job's end is recorded). */
  flush(): Promise<void>;
};

export function createProgress(deps: {
  db: Db;
  notify: (changes: JobChange[]) => void;
  job: JobDoc;
  /** The job's start on record, before its first report's write (a quick run records it then); null: not ours. */
  recorded?: () => Promise<JobDoc | null>;
}): Progress {
  const { job } = deps;
  let pending: { percent: number; message?: string; at: Date } | null = null;
  let lastWrite = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();

  function write(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const progress = pending;
    pending = null;
    if (!progress) return writing;
    lastWrite = Date.now();
    // One write at a time, in order; a report that cannot be written is only a report (the job goes on).
    writing = writing.then(async () => {
      try {
        if (deps.recorded && !(await deps.recorded())) return;
        await recordProgress(deps.db, { id: job._id, attempts: job.attempts, progress });
      } catch {}
    });
    return writing;
  }

  return {
    report(percent, message) {
      if (typeof percent !== "number" || Number.isNaN(percent)) return;
      const at = new Date();
      const clean = {
        percent: Math.min(100, Math.max(0, Math.round(percent * 100) / 100)),
        ...(typeof message === "string" && message ? { message: message.slice(0, MAX_MESSAGE) } : {}),
      };
      pending = { ...clean, at };
      deps.notify([{ ...changeOf(job), progress: { ...clean, at: at.getTime() } }]);
      const wait = lastWrite + WRITE_EVERY_MS - Date.now();
      if (wait <= 0) void write();
      else timer ??= setTimeout(() => void write(), wait);
    },
    flush: write,
  };
}
