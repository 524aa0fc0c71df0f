// The admin services' public face: what routes, app.ts and other features may use.
export { createAudit } from "./audit";
export {
  type AdminJobsDeps,
  alreadyEnded,
  cancelAnyJob,
  jobDetail,
  listAllJobs,
  noSuchJob,
  notRetryable,
  redrive,
  retryJob,
  retryUnavailable,
} from "./jobs";
export { type AdminQueuesDeps, noSuchQueue, queueGroups, queueOverview, setPaused } from "./queues";
