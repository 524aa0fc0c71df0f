// Groups routes: your groups and their state; pause one, resume it (after a halt, with what to do about the job that
// halted it). A group is yours alone: another user's group of the same name is another line.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import { getGroupAnswers, listGroupsAnswers, pauseGroupAnswers, resumeGroupAnswers } from "../schemas/group-answers";
import { GroupListQuerySchema, GroupParamsSchema, ResumeGroupSchema } from "../schemas/groups";
import type { Revocation, Tokens } from "../services/auth";
import { type GroupsDeps, groupView, listGroups, pauseGroup, resumeGroup } from "../services/groups";

export const groupRoutes = (deps: GroupsDeps & { tokens: Tokens; revocation: Revocation }) =>
  new Elysia({ name: "group-routes", prefix: "/v1/groups" })
    .use(authPlugin(deps.tokens, deps.revocation))
    .get("", async ({ query, claims }) => ({ items: await listGroups(deps, claims.sub, query.state) }), {
      auth: true,
      query: GroupListQuerySchema,
      response: listGroupsAnswers,
      detail: { tags: ["groups"], summary: "Your groups that have jobs waiting or running, or a state" },
    })
    .get("/:group", ({ params, claims }) => groupView(deps, claims.sub, params.group), {
      auth: true,
      params: GroupParamsSchema,
      response: getGroupAnswers,
      detail: { tags: ["groups"], summary: "One of your groups: its state and its jobs waiting or running" },
    })
    .post("/:group/pause", ({ params, claims }) => pauseGroup(deps, claims.sub, params.group), {
      auth: true,
      params: GroupParamsSchema,
      response: pauseGroupAnswers,
      detail: {
        tags: ["groups"],
        summary: "Pause a group",
        description:
          "Its running job finishes; no further job of it starts until it is resumed. Submissions to it are still " +
          "accepted, and your other groups run on.",
      },
    })
    .post(
      "/:group/resume",
      ({ params, body, claims }) => resumeGroup(deps, claims.sub, params.group, body?.failedJob),
      {
        auth: true,
        params: GroupParamsSchema,
        // Optional: a paused group resumes with no body at all.
        body: ResumeGroupSchema.optional(),
        response: resumeGroupAnswers,
        detail: {
          tags: ["groups"],
          summary: "Resume a paused or halted group",
          description:
            'A halted group needs {"failedJob": "retry"} (the job that halted it runs again first, then the rest ' +
            'in order) or {"failedJob": "skip"} (it stays failed, the next job runs); without it, 409.',
        },
      },
    );
