// The answers the schedules routes document, with bodies made by the constructors the code throws.
import { errors } from "@lineup/errors";
import { tooManySchedules } from "../services/schedules";
import { authErrors, bodyErrors, errorContent, errorResponse, unavailable, validationFailed } from "./common";
import { exampleSchedule } from "./examples";
import { SchedulePageSchema, ScheduleSchema } from "./schedules";

const noSuchSchedule = errorResponse(
  "No such schedule of yours (someone else's is just as missing)",
  errors.notFound("No such schedule."),
);

const badSchedule = validationFailed(
  errors.validation([
    { path: "cron", message: "Must have 5 fields (minute hour day month weekday) or 6 (seconds first)" },
  ]),
  errors.validation([{ path: "timezone", message: "Must be an IANA time zone, e.g. Europe/Berlin or UTC" }]),
);

export const createScheduleAnswers = {
  201: ScheduleSchema.meta({ description: "The schedule, with its first tick", examples: [exampleSchedule] }),
  ...authErrors,
  ...bodyErrors,
  409: errorResponse("You have MAX_SCHEDULES_PER_USER schedules already", tooManySchedules(100)),
  422: badSchedule,
  503: unavailable,
};

export const listSchedulesAnswers = { 200: SchedulePageSchema, ...authErrors, 422: validationFailed() };

export const getScheduleAnswers = { 200: ScheduleSchema, ...authErrors, 404: noSuchSchedule };

export const patchScheduleAnswers = {
  200: ScheduleSchema.meta({ description: "The schedule as changed" }),
  ...authErrors,
  ...bodyErrors,
  404: noSuchSchedule,
  422: badSchedule,
};

// Delete answers 204 with no body, which a schema cannot say: its answers are written out as OpenAPI responses.
export const deleteScheduleAnswers = {
  204: { description: "Deleted: no tick fires any more (jobs it made stay)" },
  401: {
    description: "No bearer token, or one that is invalid, expired or revoked (`unauthorized`)",
    content: errorContent(errors.unauthorized()),
  },
  404: {
    description: "No such schedule of yours (`not_found`)",
    content: errorContent(errors.notFound("No such schedule.")),
  },
};
