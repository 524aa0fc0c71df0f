// The jobs services' public face: what routes, app.ts and other features may use.
export { submitBatch } from "./batches";
export { checkCallbackUrls } from "./callback-urls";
export type { JobsDeps } from "./deps";
export {
  cancelJob,
  inQuickRun,
  listJobs,
  notCancelable,
  submitJob,
  unscheduleCanceled,
  wakeIfWaiting,
} from "./jobs";
export { checkPayloadLimits } from "./payload-limits";
export { createPositions } from "./position";
export { createPausedView } from "./queue-paused";
export { createQueueReady } from "./queue-ready";
export { createQueuedQuota, quotaExceeded } from "./queued-quota";
export { envelopeOf, idempotencyInProgress, idempotencyKeyReused, queueUnavailable, recordSeq } from "./submission";
export { createSubmitWrites, type SubmitWrites } from "./submit-writes";
export { createWaits, tooManyWaiting, tooManyWaits, type Waits } from "./wait";
