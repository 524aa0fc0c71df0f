// Schedules routes: cron schedules that make one job per tick, in a time zone. A schedule is visible only to its
// owner; another user's is 404.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import {
  createScheduleAnswers,
  deleteScheduleAnswers,
  getScheduleAnswers,
  listSchedulesAnswers,
  patchScheduleAnswers,
} from "../schemas/schedule-answers";
import {
  ListSchedulesQuerySchema,
  NewScheduleSchema,
  ScheduleParamsSchema,
  SchedulePatchSchema,
} from "../schemas/schedules";
import type { Revocation, Tokens } from "../services/auth";
import {
  createSchedule,
  getSchedule,
  listSchedules,
  patchSchedule,
  removeSchedule,
  type SchedulesDeps,
} from "../services/schedules";

export const scheduleRoutes = (deps: SchedulesDeps & { tokens: Tokens; revocation: Revocation }) =>
  new Elysia({ name: "schedule-routes", prefix: "/v1/schedules" })
    .use(authPlugin(deps.tokens, deps.revocation))
    .post(
      "",
      async ({ body, claims, set }) => {
        const schedule = await createSchedule(deps, claims.sub, body);
        set.status = 201;
        set.headers.location = `/v1/schedules/${schedule.id}`;
        return schedule;
      },
      {
        auth: true,
        body: NewScheduleSchema,
        parse: "json",
        response: createScheduleAnswers,
        detail: {
          tags: ["schedules"],
          summary: "Make a schedule",
          description:
            "Each tick makes exactly one job (with scheduleId and scheduledFor in its view), however many api and " +
            "worker processes run. Ticks missed while nothing ran make one catch-up job, for the latest of them; " +
            "then the schedule goes on from now.",
        },
      },
    )
    .get("", ({ query, claims }) => listSchedules(deps, claims.sub, { limit: query.limit, cursor: query.cursor }), {
      auth: true,
      query: ListSchedulesQuerySchema,
      response: listSchedulesAnswers,
      detail: { tags: ["schedules"], summary: "Your schedules, newest first" },
    })
    .get("/:id", ({ params, claims }) => getSchedule(deps, claims.sub, params.id), {
      auth: true,
      params: ScheduleParamsSchema,
      response: getScheduleAnswers,
      detail: { tags: ["schedules"], summary: "One of your schedules" },
    })
    .patch("/:id", ({ params, body, claims }) => patchSchedule(deps, claims.sub, params.id, body), {
      auth: true,
      params: ScheduleParamsSchema,
      body: SchedulePatchSchema,
      parse: "json",
      response: patchScheduleAnswers,
      detail: {
        tags: ["schedules"],
        summary: "Change a schedule: pause or resume it, its cron, time zone, job or name",
      },
    })
    .delete(
      "/:id",
      async ({ params, claims, set }) => {
        await removeSchedule(deps, claims.sub, params.id);
        set.status = 204;
      },
      {
        auth: true,
        params: ScheduleParamsSchema,
        detail: { tags: ["schedules"], summary: "Delete a schedule", responses: deleteScheduleAnswers },
      },
    );
