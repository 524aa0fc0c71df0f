// Jobs routes: submit (one job or a batch), get, list, cancel. Every route needs a bearer token; a job is visible only
// to its owner.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import { requestIdOf } from "../middlewares/request-context";
import { batchAnswers, cancelAnswers, getAnswers, listAnswers, submitAnswers } from "../schemas/job-answers";
import {
  JobIdParamsSchema,
  JobPageSchema,
  JobSchema,
  ListJobsQuerySchema,
  SubmitBatchSchema,
  SubmitHeadersSchema,
  SubmitJobSchema,
} from "../schemas/jobs";
import { submitBatch } from "../services/job-batches";
import { cancelJob, getJob, type JobsDeps, listJobs, submitJob } from "../services/jobs";
import type { Revocation } from "../services/revocation";
import type { Tokens } from "../services/tokens";

// The submit route's Location header (the job's URL), added to its generated answers in the document.
const located = { description: "", headers: { Location: { $ref: "#/components/headers/Location" } } };

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
        response: submitAnswers,
        detail: {
          tags: ["jobs"],
          summary: "Submit a job",
          description:
            "202 once the job is recorded in MongoDB and queued in Redis; 200 for an idempotent replay. The job " +
            "runs after every job submitted before it in its line (its group, or the queue's default line).",
          responses: { 200: located, 202: located },
        },
      },
    )
    .post(
      "/batch",
      async ({ body, headers, claims, request, set }) => {
        const { jobs, replay } = await submitBatch(deps, {
          ownerId: claims.sub,
          body,
          idempotencyKey: headers["idempotency-key"],
          requestId: requestIdOf(request),
        });
        set.status = replay ? 200 : 202;
        return { items: jobs };
      },
      {
        auth: true,
        body: SubmitBatchSchema,
        headers: SubmitHeadersSchema,
        parse: "json",
        response: batchAnswers,
        detail: {
          tags: ["jobs"],
          summary: "Submit a batch of jobs",
          description:
            "All accepted or none: 202 once every job is recorded in MongoDB and queued in Redis, with consecutive " +
            "seqs in batch order; 200 for an idempotent replay.",
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
        response: { 200: JobPageSchema, ...listAnswers },
        detail: { tags: ["jobs"], summary: "Your jobs, newest first" },
      },
    )
    .get("/:id", ({ params, claims }) => getJob(deps, claims.sub, params.id), {
      auth: true,
      params: JobIdParamsSchema,
      response: { 200: JobSchema, ...getAnswers },
      detail: { tags: ["jobs"], summary: "One of your jobs" },
    })
    .delete("/:id", ({ params, claims }) => cancelJob(deps, claims.sub, params.id), {
      auth: true,
      params: JobIdParamsSchema,
      response: cancelAnswers,
      detail: { tags: ["jobs"], summary: "Cancel a queued job" },
    });
