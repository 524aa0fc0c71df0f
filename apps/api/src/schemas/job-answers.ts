// The answers the jobs routes document: success bodies with their examples, and every error a route can give, with
// bodies made by the constructors the code throws.
import { errors } from "@lineup/errors";
import {
  idempotencyInProgress,
  idempotencyKeyReused,
  notCancelable,
  queueUnavailable,
  quotaExceeded,
  tooManyWaiting,
  tooManyWaits,
} from "../services/jobs";
import { rateLimited } from "../services/shared";
import { authErrors, bodyErrors, errorResponse, unavailable, validationFailed } from "./common";
import { exampleBatchJobs, exampleCanceledJob, exampleQueuedJob } from "./examples";
import { JobBatchSchema, JobSchema } from "./jobs";

const submitted = (what: string) =>
  `Accepted: ${what} recorded in MongoDB and queued in Redis; the same answer with 200 for an idempotent replay`;

const submitErrors = {
  ...authErrors,
  ...bodyErrors,
  409: errorResponse(
    "The first request with this Idempotency-Key is still being handled; retry",
    idempotencyInProgress(),
  ),
  429: errorResponse(
    "Too many submissions this second (with Retry-After), or too many of your jobs queued",
    rateLimited(1),
    quotaExceeded(10_000, 10_000),
  ),
  503: errorResponse("Redis or MongoDB does not answer; nothing was recorded, try again", queueUnavailable(undefined)),
};

export const submitAnswers = {
  200: JobSchema.meta({ description: "The job of the first request with this Idempotency-Key" }),
  202: JobSchema.meta({ description: submitted("the job is"), examples: [exampleQueuedJob] }),
  ...submitErrors,
  422: validationFailed(
    errors.validation([{ path: "payload.url", message: "Must be an http or https URL" }]),
    idempotencyKeyReused(),
  ),
};

export const batchAnswers = {
  200: JobBatchSchema.meta({ description: "The jobs of the first request with this Idempotency-Key" }),
  202: JobBatchSchema.meta({ description: submitted("every job is"), examples: [exampleBatchJobs] }),
  ...submitErrors,
  422: validationFailed(
    errors.validation([{ path: "jobs.1.type", message: "Must be one of: echo, http" }]),
    idempotencyKeyReused(),
  ),
};

export const noSuchJob = errorResponse(
  "No such job of yours (someone else's job is just as missing)",
  errors.notFound("No such job."),
);

export const listAnswers = {
  ...authErrors,
  422: validationFailed(errors.validation([{ path: "limit", message: "Too big: expected number to be <=100" }])),
  503: unavailable,
};

export const getAnswers = {
  ...authErrors,
  404: noSuchJob,
  422: validationFailed(errors.validation([{ path: "wait", message: "Too big: expected number to be <=60" }])),
  429: errorResponse("You hold LONG_POLLS_PER_USER waiting requests already (see Retry-After)", tooManyWaits(20)),
  503: errorResponse(
    "MongoDB or Redis does not answer, or this server holds as many waiting requests as it may (see Retry-After)",
    errors.unavailable("A backing service is unavailable; try again shortly."),
    tooManyWaiting(),
  ),
};

export const cancelAnswers = {
  200: JobSchema.meta({ description: "The job, now canceled", examples: [exampleCanceledJob] }),
  ...authErrors,
  404: noSuchJob,
  409: errorResponse("The job is running or finished already", notCancelable("running")),
  503: unavailable,
};
