// The state changes the worker records, as it announces them: what each write leaves on the job's record.
import type { FinishParams } from "@lineup/db";
import { changeOf, type JobChange, type JobDoc, type JobErrorInfo } from "@lineup/jobs";

/** running -> succeeded | failed. */
export function finishedChange(job: JobDoc, params: FinishParams): JobChange {
  const { error: _previous, ...running } = changeOf(job);
  return {
    ...running,
    status: params.status,
    finishedAt: params.now.getTime(),
    ...(params.status === "failed" ? { error: params.error } : {}),
  };
}

/** running -> queued until retryAt: the attempt failed. */
export function retryChange(job: JobDoc, error: JobErrorInfo, retryAt: Date): JobChange {
  const { startedAt: _started, ...running } = changeOf(job);
  return { ...running, status: "queued", error, retryAt: retryAt.getTime() };
}

/** running -> queued at the head of its line: shutdown gave it back. */
export function returnedChange(job: JobDoc): JobChange {
  const { startedAt: _started, ...running } = changeOf(job);
  return { ...running, status: "queued" };
}
