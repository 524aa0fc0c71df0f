// Request and response schemas of the groups routes: a user's groups, their state, pause and resume.
import { z } from "zod";
import { exampleGroup, exampleHaltedGroup } from "./examples";
import { group } from "./jobs";

export const GROUP_STATES = ["active", "paused", "halted"] as const;

export const GroupParamsSchema = z.object({ group: group.meta({ examples: ["orders"] }) });

export const GroupSchema = z
  .object({
    group: z.string(),
    state: z
      .enum(GROUP_STATES)
      .describe(
        "active: its jobs run in order; paused: no further job starts until it is resumed (submissions are still " +
          "accepted); halted: a job that said onFailure: halt failed for good and stays first in the line",
      ),
    scheduled: z.number().int().describe("Its jobs due later"),
    queued: z.number().int().describe("Its jobs waiting for their turn"),
    running: z.number().int().describe("Its job running now (0 or 1)"),
    haltedJobId: z.string().optional().describe("halted: the job that failed and halted it"),
  })
  .meta({ id: "Group", description: "One of your groups", examples: [exampleGroup, exampleHaltedGroup] });

export const GroupListQuerySchema = z.object({
  state: z.enum(GROUP_STATES).optional().describe("Only groups in this state"),
});

export const GroupListSchema = z.object({ items: z.array(GroupSchema).describe("By name; at most 1000") }).meta({
  id: "GroupList",
  description: "Your groups that have jobs waiting or running, or a state",
  examples: [{ items: [exampleGroup, exampleHaltedGroup] }],
});

export const ResumeGroupSchema = z
  .object({
    failedJob: z
      .enum(["retry", "skip"])
      .optional()
      .describe(
        "For a halted group: retry runs the job that halted it again first (its seq and original allowance of " +
          "attempts), skip leaves it failed and goes on with the next job. Needed for a halted group.",
      ),
  })
  .meta({ id: "ResumeGroup", examples: [{ failedJob: "retry" }] });
