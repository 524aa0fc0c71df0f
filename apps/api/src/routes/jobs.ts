// Jobs routes: submit (one job or a batch), get, list, cancel. Every route needs a bearer token; a job is visible only
// to its owner.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import { requestIdOf } from "../middlewares/request-context";
import { parentTraceOf } from "../middlewares/tracing";
import { batchAnswers, cancelAnswers, getAnswers, listAnswers, submitAnswers } from "../schemas/job-answers";
import {
  GetJobQuerySchema,
  JobIdParamsSchema,
  JobPageSchema,
  JobSchema,
  ListJobsQuerySchema,
  SubmitBatchSchema,
  SubmitHeadersSchema,
  SubmitJobSchema,
} from "../schemas/jobs";
import type { Revocation, Tokens } from "../services/auth";
import type { Waits } from "../services/jobs";
import { cancelJob, type JobsDeps, listJobs, submitBatch, submitJob } from "../services/jobs";

// The submit route's Location header (the job's URL), added to its generated answers in the document.
const located = { description: "", headers: { Location: { $ref: "#/components/headers/Location" } } };

export const jobRoutes = (
  deps: JobsDeps & { tokens: Tokens; revocation: Revocation; queuePaused: () => Promise<boolean>; waits: Waits },
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
          trace: parentTraceOf(request),
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
          trace: parentTraceOf(request),
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
          scheduleId: query.scheduleId,
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
    .get(
      "/:id",
      ({ params, query, claims, request, server }) => {
        if (!query.wait) return deps.waits.get(claims.sub, params.id);
        // Bun closes a connection idle for 10 s by default; this one is quiet for up to `wait` seconds.
        server?.timeout(request, query.wait + 10);
        return deps.waits.wait(claims.sub, params.id, query.wait, request.signal);
      },
      {
        auth: true,
        params: JobIdParamsSchema,
        query: GetJobQuerySchema,
        response: { 200: JobSchema, ...getAnswers },
        detail: {
          tags: ["jobs"],
          summary: "One of your jobs; with ?wait=, once it is final",
          description:
            "A queued job shows position (jobs ahead of it in its line) and etaSeconds. With `wait=<seconds>` " +
            "(0-60) the answer waits until the job is final (succeeded, failed or canceled) or the seconds are " +
            "over, whichever comes first, and then shows the job as it is: 200 either way, so check status. It " +
            "costs the server no polling: it is woken by the job's change.",
        },
      },
    )
    .delete("/:id", ({ params, claims }) => cancelJob(deps, claims.sub, params.id), {
      auth: true,
      params: JobIdParamsSchema,
      response: cancelAnswers,
      detail: { tags: ["jobs"], summary: "Cancel a queued job" },
    });
