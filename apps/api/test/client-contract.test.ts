// The client package writes the API's wire types out itself (so it depends on nothing); this file makes tsc fail
// when they drift from the api's schemas or from @lineup/jobs' JobView. Checked by `bun run typecheck`.
import { describe, expect, it } from "bun:test";
import type * as Client from "@lineup/client";
import type { catalog, JobView } from "@lineup/jobs";
import type { z } from "zod";
import type { TokenSchema, UserSchema } from "../src/schemas/auth";
import type { ErrorSchema } from "../src/schemas/common";
import type {
  JobBatchSchema,
  JobPageSchema,
  JobSchema,
  ListJobsQuerySchema,
  SubmitJobSchema,
} from "../src/schemas/jobs";

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
};

describe("client wire types", () => {
  it("match the api's schemas and JobView (tsc refuses this file otherwise)", () => {
    expect(Object.values(matches).every(Boolean)).toBe(true);
  });
});
