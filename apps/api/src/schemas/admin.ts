// Request and response schemas of the admin routes (/v1/admin/...).
import { JOB_STATUSES } from "@lineup/jobs";
import { z } from "zod";
import { exampleHaltedGroup, exampleRedrive } from "./examples";
import { GroupSchema } from "./groups";
import { CursorQuery, group, JobErrorSchema, JobSchema, LimitQuery } from "./jobs";
import { ScheduleSchema } from "./schedules";

const isoDate = z.iso.datetime({ offset: true }).describe("ISO 8601 date-time");
const ownerId = z
  .string()
  .regex(/^[0-9a-f]{24}$/, "Must be a user id")
  .describe("The owner's user id");

export const AdminJobFilterSchema = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  type: z.string().max(64).optional(),
  owner: ownerId.optional(),
  group: group.optional(),
  from: isoDate.optional().describe("Created at or after"),
  to: isoDate.optional().describe("Created before"),
});

export const AdminJobsQuerySchema = AdminJobFilterSchema.extend({ limit: LimitQuery, cursor: CursorQuery });

export const RedriveSchema = AdminJobFilterSchema.omit({ status: true })
  .extend({
    limit: z.number().int().min(1).max(1000).default(100).describe("Retry at most this many failed jobs"),
  })
  .meta({ examples: [exampleRedrive] });

const AttemptSchema = z.object({
  attempt: z.number().int(),
  workerId: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: z
    .enum(["running", "succeeded", "failed", "retry", "returned", "canceled", "interrupted"])
    .describe("interrupted: the worker died during it; returned: given back at a worker's shutdown"),
  error: JobErrorSchema.optional(),
});

export const AdminJobSchema = JobSchema.extend({
  queue: z.string(),
  line: z.string().describe("The line the job runs in: q (the queue's), u:<owner> or g:<owner>:<group>"),
  ownerId: z.string(),
  ownerEmail: z.string().nullable(),
  workerId: z.string().optional(),
  history: z.array(AttemptSchema).optional().describe("Every attempt, oldest first (in the job's detail)"),
});

export const AdminJobPageSchema = z.object({ items: z.array(AdminJobSchema), nextCursor: z.string().nullable() });

export const RedriveResultSchema = z.object({ count: z.number().int(), ids: z.array(z.string()) });

export const QueueParamsSchema = z.object({ name: z.string() });

export const QueueOverviewSchema = z.object({
  name: z.string(),
  paused: z.boolean(),
  jobs: z.object({
    scheduled: z.number().int().describe("Due later"),
    queued: z.number().int(),
    running: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    canceled: z.number().int(),
  }),
  deadSet: z.number().int().describe("Failed jobs remembered in Redis's dead set"),
  groups: z.object({
    ready: z.number().int().describe("Groups whose next job waits for a free slot"),
    inFlight: z.number().int().describe("Groups with a job running"),
    retrying: z.number().int().describe("Groups whose next job waits out a retry backoff"),
  }),
  oldestReadyAgeSeconds: z.number(),
  throughputLastMinute: z.number().int().describe("Jobs that reached a final state in the last 60 s"),
  workers: z.array(
    z.object({
      id: z.string(),
      alive: z.boolean(),
      lastSeenAt: z.string(),
      holding: z.array(z.object({ id: z.string(), seq: z.number().int(), line: z.string(), type: z.string() })),
    }),
  ),
});

export const QueueListSchema = z.object({ items: z.array(QueueOverviewSchema) });

export const GroupsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export const StatsQuerySchema = z.object({
  window: z.enum(["1h", "24h"]).default("1h").describe("The last hour, or the last 24 hours, by the minute"),
});

export const QueueStatsSchema = z
  .object({
    queue: z.string(),
    window: z.enum(["1h", "24h"]),
    minutes: z
      .array(
        z.object({
          at: z.iso.datetime().describe("The minute's start"),
          succeeded: z.number().int().describe("Jobs that succeeded in the minute"),
          failed: z.number().int().describe("Jobs that failed for good in the minute"),
          retried: z.number().int().describe("Failed attempts that will be tried again"),
          waitP50Ms: z
            .number()
            .nullable()
            .describe(
              "Of the jobs that ended in the minute, the median wait in line before their first attempt: the upper " +
                "bound of its histogram bucket (10 ms to 1 h); null when none ended",
            ),
          waitP95Ms: z.number().nullable().describe("The same at the 95th percentile"),
        }),
      )
      .describe("Oldest first, the current minute last; a minute Redis has no count for (or lost) is zeros"),
  })
  .meta({
    id: "QueueStats",
    examples: [
      {
        queue: "default",
        window: "1h",
        minutes: [
          { at: "2026-12-03T10:41:00.000Z", succeeded: 30, failed: 5, retried: 7, waitP50Ms: 25, waitP95Ms: 250 },
        ],
      },
    ],
  });

export const GroupListSchema = z.object({
  items: z.array(
    z.object({
      line: z.string(),
      ownerId: z.string().optional(),
      group: z.string().optional(),
      queued: z.number().int(),
      oldestCreatedAt: z.string(),
    }),
  ),
});

export const AuditQuerySchema = z.object({ limit: LimitQuery, cursor: CursorQuery });

export const AuditSchema = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string(),
  actorEmail: z.string(),
  action: z.string(),
  target: z.record(z.string(), z.unknown()),
  count: z.number().int(),
});

export const AuditPageSchema = z.object({ items: z.array(AuditSchema), nextCursor: z.string().nullable() });

export const AdminGroupParamsSchema = z.object({ owner: ownerId, group });

export const AdminGroupSchema = GroupSchema.extend({
  ownerId: z.string().describe("The user whose group it is"),
  since: z.string().optional().describe("When it was paused or halted"),
}).meta({
  id: "AdminGroup",
  examples: [{ ownerId: "665f1c9e8b3d4a0012a1b2c3", ...exampleHaltedGroup, since: "2026-01-15T09:40:00.000Z" }],
});

export const StoppedGroupsQuerySchema = z.object({
  state: z.enum(["paused", "halted"]).optional().describe("Only groups in this state"),
});

export const StoppedGroupListSchema = z
  .object({ items: z.array(AdminGroupSchema).describe("Halted groups first, then paused ones; longest stopped first") })
  .meta({
    id: "StoppedGroupList",
    examples: [
      {
        items: [{ ownerId: "665f1c9e8b3d4a0012a1b2c3", ...exampleHaltedGroup, since: "2026-01-15T09:40:00.000Z" }],
      },
    ],
  });

export const AdminSchedulesQuerySchema = z.object({ limit: LimitQuery, cursor: CursorQuery });

export const AdminSchedulePageSchema = z
  .object({
    items: z.array(ScheduleSchema.extend({ ownerId: z.string().describe("The user the schedule belongs to") })),
    nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next page; null on the last page"),
  })
  .meta({ id: "AdminSchedulePage", description: "Every user's schedules of the queue, newest first" });
