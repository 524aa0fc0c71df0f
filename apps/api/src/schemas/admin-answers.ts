// The answers the admin routes document: success bodies with their examples, and every error a route can give, with
// bodies made by the constructors the code throws.
import { errors } from "@lineup/errors";
import { alreadyEnded, noSuchJob, noSuchQueue, notRetryable, retryUnavailable } from "../services/admin";
import { groupHalted } from "../services/groups";
import {
  AdminGroupSchema,
  AdminJobPageSchema,
  AdminJobSchema,
  AdminSchedulePageSchema,
  AuditPageSchema,
  GroupListSchema,
  QueueListSchema,
  QueueOverviewSchema,
  QueueStatsSchema,
  RedriveResultSchema,
  StoppedGroupListSchema,
} from "./admin";
import { authErrors, bodyErrors, errorResponse, unavailable, validationFailed } from "./common";
import {
  exampleAdminJobPage,
  exampleAuditPage,
  exampleFailedAdminJob,
  exampleGroups,
  exampleQueueOverview,
  exampleRedriveResult,
  exampleRetriedAdminJob,
  exampleSchedule,
} from "./examples";

const adminErrors = {
  ...authErrors,
  403: errorResponse("The bearer token is valid but not an admin's", errors.forbidden()),
};
const queueMissing = errorResponse("No queue of that name here (each api serves one queue)", noSuchQueue());
const jobMissing = errorResponse("No such job in this queue", noSuchJob());
const badQuery = (path: string, message: string) => validationFailed(errors.validation([{ path, message }]));

export const queuesAnswers = {
  200: QueueListSchema.meta({ examples: [{ items: [exampleQueueOverview] }] }),
  ...adminErrors,
  503: unavailable,
};

export const statsAnswers = {
  200: QueueStatsSchema,
  ...adminErrors,
  404: queueMissing,
  422: badQuery("window", 'Invalid option: expected one of "1h"|"24h"'),
  503: unavailable,
};

export const groupsAnswers = {
  200: GroupListSchema.meta({ examples: [exampleGroups] }),
  ...adminErrors,
  404: queueMissing,
  422: badQuery("limit", "Too big: expected number to be <=500"),
  503: unavailable,
};

export const pauseAnswers = {
  200: QueueOverviewSchema.meta({ examples: [{ ...exampleQueueOverview, paused: true }] }),
  ...adminErrors,
  404: queueMissing,
  503: errorResponse(
    "MongoDB or Redis does not answer; if MongoDB took the change, the workers apply it once Redis is back",
    errors.unavailable("A backing service is unavailable; try again shortly."),
  ),
};

export const jobsAnswers = {
  200: AdminJobPageSchema.meta({ examples: [exampleAdminJobPage] }),
  ...adminErrors,
  422: badQuery("owner", "Must be a user id"),
  503: unavailable,
};

export const redriveAnswers = {
  200: RedriveResultSchema.meta({ examples: [exampleRedriveResult] }),
  ...adminErrors,
  ...bodyErrors,
  422: badQuery("limit", "Too big: expected number to be <=1000"),
  503: errorResponse("Redis or MongoDB does not answer; jobs not yet queued stay failed", retryUnavailable()),
};

export const jobAnswers = {
  200: AdminJobSchema.meta({ examples: [exampleFailedAdminJob] }),
  ...adminErrors,
  404: jobMissing,
  503: unavailable,
};

export const retryAnswers = {
  200: AdminJobSchema.meta({ examples: [exampleRetriedAdminJob] }),
  ...adminErrors,
  404: jobMissing,
  409: errorResponse("The job has not failed", notRetryable()),
  503: errorResponse("Redis does not answer; the job stays failed", retryUnavailable()),
};

export const cancelAnyAnswers = {
  200: AdminJobSchema.meta({ examples: [{ ...exampleFailedAdminJob, status: "canceled", error: undefined }] }),
  ...adminErrors,
  404: jobMissing,
  409: errorResponse("The job has ended already", alreadyEnded("succeeded"), alreadyEnded()),
  503: unavailable,
};

export const auditAnswers = {
  200: AuditPageSchema.meta({ examples: [exampleAuditPage] }),
  ...adminErrors,
  422: badQuery("limit", "Too big: expected number to be <=100"),
  503: unavailable,
};

export const schedulesAnswers = {
  200: AdminSchedulePageSchema.meta({
    examples: [{ items: [{ ...exampleSchedule, ownerId: "6650c0ffee0000000000beef" }], nextCursor: null }],
  }),
  ...adminErrors,
  422: badQuery("limit", "Too big: expected number to be <=100"),
  503: unavailable,
};

export const stoppedGroupsAnswers = {
  200: StoppedGroupListSchema,
  ...adminErrors,
  422: validationFailed(),
  503: unavailable,
};

export const adminGroupAnswers = {
  200: AdminGroupSchema,
  ...adminErrors,
  422: badQuery("owner", "Must be a user id"),
  503: unavailable,
};

export const adminResumeGroupAnswers = {
  ...adminGroupAnswers,
  409: errorResponse(
    "The group is halted: say what to do with the job that halted it (failedJob)",
    groupHalted("invoices", "665f1e2ab4c0d3a1e8f9b2c7"),
  ),
};
