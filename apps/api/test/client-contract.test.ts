// The client package writes the API's wire types out itself (so it depends on nothing); this file makes tsc fail
// when they drift from the api's schemas (the admin ones too) or from @lineup/jobs' JobView. Checked by
// `bun run typecheck`.
import { describe, expect, it } from "bun:test";
import type * as Client from "@lineup/client";
import type { catalog, JobView } from "@lineup/jobs";
import type { z } from "zod";
import type {
  AdminGroupSchema,
  AdminJobPageSchema,
  AdminJobSchema,
  AdminJobsQuerySchema,
  AuditPageSchema,
  AuditQuerySchema,
  GroupListSchema,
  GroupsQuerySchema,
  QueueListSchema,
  QueueOverviewSchema,
  RedriveResultSchema,
  RedriveSchema,
  StoppedGroupListSchema,
} from "../src/schemas/admin";
import type { TokenSchema, UserSchema } from "../src/schemas/auth";
import type { ErrorSchema } from "../src/schemas/common";
import type { GroupSchema, GroupListSchema as UserGroupListSchema } from "../src/schemas/groups";
import type {
  JobBatchSchema,
  JobPageSchema,
  JobSchema,
  ListJobsQuerySchema,
  SubmitJobSchema,
} from "../src/schemas/jobs";
import type {
  NewScheduleSchema,
  SchedulePageSchema,
  SchedulePatchSchema,
  ScheduleSchema,
} from "../src/schemas/schedules";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when T is true. */
const holds = <T extends true>(): T => true as T;
type Submitted = z.input<typeof SubmitJobSchema>;

const matches = {
  job: holds<Equal<Client.Job, JobView>>(),
  jobSchema: holds<Equal<Client.Job, z.output<typeof JobSchema>>>(),
  page: holds<Equal<Client.JobPage, z.output<typeof JobPageSchema>>>(),
  batch: holds<Equal<{ items: Client.Job[] }, z.output<typeof JobBatchSchema>>>(),
  status: holds<Equal<Client.JobStatus, JobView["status"]>>(),
  user: holds<Equal<Client.User, z.output<typeof UserSchema>>>(),
  token: holds<Equal<Client.Token, z.output<typeof TokenSchema>>>(),
  error: holds<Equal<Client.ErrorBody, z.output<typeof ErrorSchema>>>(),
  jobTypes: holds<Equal<Client.JobType, keyof typeof catalog>>(),
  // Everything the client can send, the api accepts; and the http payload is the catalog's, field for field.
  newJobAccepted: holds<Client.NewJob extends Submitted ? true : false>(),
  // Defaults (timeoutMs, limit) make fields optional to send and present once parsed: compared with both made required.
  httpPayload: holds<Equal<Required<Client.HttpPayload>, Required<z.output<(typeof catalog)["http"]>>>>(),
  listParams: holds<Equal<Required<Client.ListParams>, Required<z.output<typeof ListJobsQuerySchema>>>>(),
  // Schedules and groups (client.schedules, client.groups).
  schedule: holds<Equal<Client.Schedule, z.output<typeof ScheduleSchema>>>(),
  schedulePage: holds<Equal<Client.SchedulePage, z.output<typeof SchedulePageSchema>>>(),
  newScheduleAccepted: holds<Client.NewSchedule extends z.input<typeof NewScheduleSchema> ? true : false>(),
  schedulePatchAccepted: holds<Client.SchedulePatch extends z.input<typeof SchedulePatchSchema> ? true : false>(),
  group: holds<Equal<Client.Group, z.output<typeof GroupSchema>>>(),
  adminGroup: holds<Equal<Client.AdminGroup, z.output<typeof AdminGroupSchema>>>(),
  stoppedGroups: holds<Equal<{ items: Client.AdminGroup[] }, z.output<typeof StoppedGroupListSchema>>>(),
  groupList: holds<Equal<{ items: Client.Group[] }, z.output<typeof UserGroupListSchema>>>(),
  // The admin routes (client.admin), the same way: answers field for field, what the client sends accepted.
  queues: holds<Equal<{ items: Client.QueueOverview[] }, z.output<typeof QueueListSchema>>>(),
  queue: holds<Equal<Client.QueueOverview, z.output<typeof QueueOverviewSchema>>>(),
  groups: holds<Equal<{ items: Client.QueueGroup[] }, z.output<typeof GroupListSchema>>>(),
  groupsParams: holds<Equal<Required<Client.QueueGroupsParams>, Required<z.output<typeof GroupsQuerySchema>>>>(),
  adminJob: holds<Equal<Client.AdminJob, z.output<typeof AdminJobSchema>>>(),
  adminJobPage: holds<Equal<Client.AdminJobPage, z.output<typeof AdminJobPageSchema>>>(),
  adminJobsParams: holds<Equal<Required<Client.AdminJobsParams>, Required<z.output<typeof AdminJobsQuerySchema>>>>(),
  redriveAccepted: holds<Client.RedriveFilter extends z.input<typeof RedriveSchema> ? true : false>(),
  redrive: holds<Equal<Required<Client.RedriveFilter>, Required<z.output<typeof RedriveSchema>>>>(),
  redriveResult: holds<Equal<Client.RedriveResult, z.output<typeof RedriveResultSchema>>>(),
  audit: holds<Equal<Client.AuditPage, z.output<typeof AuditPageSchema>>>(),
  auditParams: holds<Equal<Required<Client.PageParams>, Required<z.output<typeof AuditQuerySchema>>>>(),
};

describe("client wire types", () => {
  it("match the api's schemas and JobView (tsc refuses this file otherwise)", () => {
    expect(Object.values(matches).every(Boolean)).toBe(true);
  });
});
