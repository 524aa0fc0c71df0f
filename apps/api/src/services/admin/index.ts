// The admin services' public face: what routes, app.ts and other features may use.
export { createAudit } from "./audit";
export {
  type AdminGroupsDeps,
  type AdminGroupView,
  adminGroup,
  adminPauseGroup,
  adminResumeGroup,
  stoppedGroups,
} from "./groups";
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
export { type AdminQueuesDeps, noSuchQueue, queueGroups, queueOverview, queueStats, setPaused } from "./queues";
export { ADMIN_COMMAND_ACTOR, type RoleChange, type RolesDeps, setRole } from "./roles";
