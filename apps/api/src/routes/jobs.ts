// Jobs routes: submit, get, list, cancel. Every route needs a bearer token; a job is visible only to its owner.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import { requestIdOf } from "../middlewares/request-context";
import { ErrorSchema } from "../schemas/common";
import {
  JobIdParamsSchema,
  JobPageSchema,
  JobSchema,
  ListJobsQuerySchema,
  SubmitHeadersSchema,
  SubmitJobSchema,
} from "../schemas/jobs";
import { cancelJob, getJob, type JobsDeps, listJobs, submitJob } from "../services/jobs";
import type { Revocation } from "../services/revocation";
import type { Tokens } from "../services/tokens";

export const jobRoutes = (
  deps: JobsDeps & { tokens: Tokens; revocation: Revocation; queuePaused: () => Promise<boolean> },
) =>
  new Elysia({ name: "job-routes", prefix: "/v1/jobs" })
    .use(authPlugin(deps.tokens, deps.revocation))
    .post(
      "",
      async ({ body, headers, claims, request, set }) => {
        const { job, replay } = await submitJob(deps, {
          ownerId: claims.sub,
          body,
          idempotencyKey: headers["idempotency-key"],
          requestId: requestIdOf(request),
        });
        set.status = replay ? 200 : 202;
        set.headers.location = `/v1/jobs/${job.id}`;
        // Accepted all the same; the client learns why it may wait.
        if (await deps.queuePaused()) set.headers["x-queue-paused"] = "true";
        return job;
      },
      {
        auth: true,
        body: SubmitJobSchema,
        headers: SubmitHeadersSchema,
        parse: "json",
        response: {
          200: JobSchema,
          202: JobSchema,
          401: ErrorSchema,
          409: ErrorSchema,
          413: ErrorSchema,
          422: ErrorSchema,
          429: ErrorSchema,
          503: ErrorSchema,
        },
        detail: {
          tags: ["jobs"],
          summary: "Submit a job",
          description: "202 once the job is recorded in MongoDB and queued in Redis; 200 for an idempotent replay.",
        },
      },
    )
    .get(
      "",
      ({ query, claims }) =>
        listJobs(deps, {
          ownerId: claims.sub,
          status: query.status,
          group: query.group,
          limit: query.limit,
          cursor: query.cursor,
        }),
      {
        auth: true,
        query: ListJobsQuerySchema,
        response: { 200: JobPageSchema, 401: ErrorSchema, 422: ErrorSchema },
        detail: { tags: ["jobs"], summary: "Your jobs, newest first" },
      },
    )
    .get("/:id", ({ params, claims }) => getJob(deps, claims.sub, params.id), {
      auth: true,
      params: JobIdParamsSchema,
      response: { 200: JobSchema, 401: ErrorSchema, 404: ErrorSchema },
      detail: { tags: ["jobs"], summary: "One of your jobs" },
    })
    .delete("/:id", ({ params, claims }) => cancelJob(deps, claims.sub, params.id), {
      auth: true,
      params: JobIdParamsSchema,
      response: { 200: JobSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      detail: { tags: ["jobs"], summary: "Cancel a queued job" },
    });
