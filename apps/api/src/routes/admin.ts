// Admin routes (/v1/admin/...): the operations API behind the console. Every route needs an admin's bearer token
// (401 without a valid token, 403 forbidden for any other role); every change is audited.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import {
  AdminGroupParamsSchema,
  AdminJobsQuerySchema,
  AdminSchedulesQuerySchema,
  AuditQuerySchema,
  GroupsQuerySchema,
  QueueParamsSchema,
  RedriveSchema,
  StatsQuerySchema,
  StoppedGroupsQuerySchema,
} from "../schemas/admin";
import {
  adminGroupAnswers,
  adminResumeGroupAnswers,
  auditAnswers,
  cancelAnyAnswers,
  groupsAnswers,
  jobAnswers,
  jobsAnswers,
  pauseAnswers,
  queuesAnswers,
  redriveAnswers,
  retryAnswers,
  schedulesAnswers,
  statsAnswers,
  stoppedGroupsAnswers,
} from "../schemas/admin-answers";
import { ResumeGroupSchema } from "../schemas/groups";
import { JobIdParamsSchema } from "../schemas/jobs";
import {
  type AdminGroupsDeps,
  type AdminJobsDeps,
  type AdminQueuesDeps,
  adminGroup,
  adminPauseGroup,
  adminResumeGroup,
  cancelAnyJob,
  jobDetail,
  listAllJobs,
  queueGroups,
  queueOverview,
  queueStats,
  redrive,
  retryJob,
  setPaused,
  stoppedGroups,
} from "../services/admin";
import type { Revocation, Tokens } from "../services/auth";
import { listAllSchedules } from "../services/schedules";

const tags = ["admin"];

export const adminRoutes = (
  deps: AdminJobsDeps & AdminQueuesDeps & AdminGroupsDeps & { tokens: Tokens; revocation: Revocation },
) =>
  new Elysia({ name: "admin-routes", prefix: "/v1/admin" })
    .use(authPlugin(deps.tokens, deps.revocation))
    .get("/groups", ({ query }) => stoppedGroups(deps, query.state), {
      admin: true,
      query: StoppedGroupsQuerySchema,
      response: stoppedGroupsAnswers,
      detail: { tags, summary: "Every user's paused and halted groups, halted ones first" },
    })
    .get("/groups/:owner/:group", ({ params }) => adminGroup(deps, params.owner, params.group), {
      admin: true,
      params: AdminGroupParamsSchema,
      response: adminGroupAnswers,
      detail: { tags, summary: "One user's group: its state and its jobs waiting or running" },
    })
    .post(
      "/groups/:owner/:group/pause",
      async ({ params, claims }) =>
        adminPauseGroup(deps, await deps.audit.actor(claims.sub), params.owner, params.group),
      {
        admin: true,
        params: AdminGroupParamsSchema,
        response: adminGroupAnswers,
        detail: { tags, summary: "Pause a user's group (audited)" },
      },
    )
    .post(
      "/groups/:owner/:group/resume",
      async ({ params, body, claims }) =>
        adminResumeGroup(deps, await deps.audit.actor(claims.sub), params.owner, params.group, body?.failedJob),
      {
        admin: true,
        params: AdminGroupParamsSchema,
        body: ResumeGroupSchema.optional(),
        response: adminResumeGroupAnswers,
        detail: {
          tags,
          summary: "Resume a user's paused or halted group (audited)",
          description: 'A halted group needs {"failedJob": "retry"} or {"failedJob": "skip"}; without it, 409.',
        },
      },
    )
    .get("/queues", async () => ({ items: [await queueOverview(deps)] }), {
      admin: true,
      response: queuesAnswers,
      detail: {
        tags,
        summary: "Queues overview",
        description:
          "Jobs by status, groups ready / in flight / retrying, the dead set, the oldest ready job's age, throughput " +
          "over the last minute, and every worker with what it holds.",
      },
    })
    .get("/queues/:name/stats", ({ params, query }) => queueStats(deps, params.name, query.window), {
      admin: true,
      params: QueueParamsSchema,
      query: StatsQuerySchema,
      response: statsAnswers,
      detail: {
        tags,
        summary: "The queue over time, by the minute",
        description:
          "Jobs succeeded and failed, failed attempts retried, and the wait in line (p50, p95) of the jobs that " +
          "ended, per minute over the last hour or 24 hours. Counted in Redis by the scripts that end and defer " +
          "jobs, kept a day; a Redis that lost them shows zeros.",
      },
    })
    .get("/queues/:name/groups", ({ params, query }) => queueGroups(deps, params.name, query.limit), {
      admin: true,
      params: QueueParamsSchema,
      query: GroupsQuerySchema,
      response: groupsAnswers,
      detail: { tags, summary: "The queue's groups with the most jobs queued" },
    })
    .post(
      "/queues/:name/pause",
      async ({ params, claims }) => setPaused(deps, await deps.audit.actor(claims.sub), params.name, true),
      {
        admin: true,
        params: QueueParamsSchema,
        response: pauseAnswers,
        detail: {
          tags,
          summary: "Pause a queue",
          description:
            "Workers finish what they hold and take nothing new; submissions are still accepted and queued. The " +
            "paused state survives restarts of every process and of Redis.",
        },
      },
    )
    .post(
      "/queues/:name/resume",
      async ({ params, claims }) => setPaused(deps, await deps.audit.actor(claims.sub), params.name, false),
      {
        admin: true,
        params: QueueParamsSchema,
        response: pauseAnswers,
        detail: { tags, summary: "Resume a paused queue" },
      },
    )
    .get("/jobs", ({ query }) => listAllJobs(deps, query), {
      admin: true,
      query: AdminJobsQuerySchema,
      response: jobsAnswers,
      detail: { tags, summary: "Jobs of every user, newest first, by status, type, owner, group and time" },
    })
    .post("/jobs/retry", async ({ body, claims }) => redrive(deps, await deps.audit.actor(claims.sub), body), {
      admin: true,
      body: RedriveSchema,
      parse: "json",
      response: redriveAnswers,
      detail: {
        tags,
        summary: "Redrive: run again every failed job a filter matches",
        description: "Oldest first, each with a new seq at the tail of its line; their failures stay in their history.",
      },
    })
    .get("/jobs/:id", ({ params }) => jobDetail(deps, params.id), {
      admin: true,
      params: JobIdParamsSchema,
      response: jobAnswers,
      detail: { tags, summary: "One job, of any user, with every attempt" },
    })
    .post(
      "/jobs/:id/retry",
      async ({ params, claims }) => retryJob(deps, await deps.audit.actor(claims.sub), params.id),
      {
        admin: true,
        params: JobIdParamsSchema,
        response: retryAnswers,
        detail: {
          tags,
          summary: "Run a failed job again",
          description: "It gets a new seq at the tail of its line and its original allowance of attempts once more.",
        },
      },
    )
    .post(
      "/jobs/:id/cancel",
      async ({ params, claims }) => cancelAnyJob(deps, await deps.audit.actor(claims.sub), params.id),
      {
        admin: true,
        params: JobIdParamsSchema,
        response: cancelAnyAnswers,
        detail: {
          tags,
          summary: "Cancel a job that has not ended",
          description:
            "A queued job, one waiting out a retry backoff (its line moves on at once), or a running one (the " +
            "worker stops its handler through its abort signal within about a second).",
        },
      },
    )
    .get("/schedules", ({ query }) => listAllSchedules(deps, query), {
      admin: true,
      query: AdminSchedulesQuerySchema,
      response: schedulesAnswers,
      detail: {
        tags,
        summary: "Every user's schedules, newest first",
        description: "Each with its owner, cron and time zone, whether it is paused, and its next and last run.",
      },
    })
    .get("/audit", ({ query }) => deps.audit.list(query), {
      admin: true,
      query: AuditQuerySchema,
      response: auditAnswers,
      detail: { tags, summary: "Admin actions, newest first: who, what, when and how many jobs" },
    });
