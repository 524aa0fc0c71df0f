// The schedules services' public face: what routes and app.ts may use.
export {
  createSchedule,
  getSchedule,
  listAllSchedules,
  listSchedules,
  patchSchedule,
  removeSchedule,
  type SchedulesDeps,
  type ScheduleView,
  tooManySchedules,
} from "./schedules";
