// The groups services' public face: what routes and app.ts may use.
export {
  type FailedJobChoice,
  type GroupState,
  type GroupsDeps,
  type GroupView,
  groupHalted,
  groupView,
  listGroups,
  MAX_GROUPS_LISTED,
  pauseGroup,
  resumeGroup,
} from "./groups";
