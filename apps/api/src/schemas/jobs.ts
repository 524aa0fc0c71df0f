// Request and response schemas of the jobs routes. The submit body is built from the job types catalog,
// so a new type is documented and validated without touching this file.
import {
  CALLBACK_STATUSES,
  catalog,
  GROUP_PATTERN,
  JOB_STATUSES,
  MAX_ATTEMPTS_LIMIT,
  MAX_DELAY_MS,
  ON_FAILURE,
} from "@lineup/jobs";
import { z } from "zod";
import {
  exampleBatch,
  exampleBatchJobs,
  exampleEchoJob,
  exampleHttpJob,
  exampleJobPage,
  exampleQueuedJob,
  exampleSucceededJob,
} from "./examples";

const maxAttempts = z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT).optional();
export const group = z.string().regex(GROUP_PATTERN, "Must be 1-128 characters of A-Z a-z 0-9 . _ : -");
const callbackUrl = z
  .url({ protocol: /^https?$/, error: "Must be an http or https URL" })
  .max(2048)
  .describe(
    "Gets the job (as GET /v1/jobs/{id} shows it) in a signed POST once it is final (Standard Webhooks; see " +
      "GET /v1/auth/webhook-secret). Must reach a public address, as http jobs must.",
  );

/** One object per job type: what a job of that type may say, however it is made (now, later, or by a schedule). */
export const jobVariants = Object.entries(catalog).map(([type, payload]) =>
  z.object({
    type: z.literal(type),
    payload: (payload as z.ZodType).refine((v) => v !== undefined, "Required"),
    maxAttempts: maxAttempts.describe(
      `Runs allowed before the job fails for good (1-${MAX_ATTEMPTS_LIMIT}, default 3)`,
    ),
    group: group
      .optional()
      .describe(
        "Your line for this job: jobs of one group run one at a time in submission order, groups run in parallel. " +
          "Without it the job goes to the queue's default line. Groups are private to you.",
      ),
    callbackUrl: callbackUrl.optional(),
    onFailure: z
      .enum(ON_FAILURE)
      .optional()
      .describe(
        "What failing for good does to the job's line: continue (the next job runs), or halt (the line stops, the " +
          "failed job first in it, until POST /v1/groups/{group}/resume); halt needs a group. Default: the queue's " +
          "DEFAULT_ON_FAILURE (for jobs with a group).",
      ),
  }),
);

const variants = jobVariants.map((variant) =>
  variant.extend({
    runAt: z.iso
      .datetime({ offset: true, error: "Must be an RFC 3339 date-time with an offset, e.g. 2027-01-31T09:00:00+01:00" })
      .optional()
      .describe(
        "Run the job at this time (RFC 3339, with Z or an offset) rather than now: it is scheduled until then, then " +
          "joins the tail of its line, after the line's delayed jobs due before it. A time that has passed is due at " +
          "once. Not with delayMs.",
      ),
    delayMs: z
      .number()
      .int()
      .min(0)
      .max(MAX_DELAY_MS)
      .optional()
      .describe("Run the job this many ms from now (0 to 31 days) rather than now. Not with runAt."),
  }),
);

/** runAt and delayMs say the same thing two ways: one of them at most. */
function oneDueTime(job: { runAt?: string; delayMs?: number }, ctx: z.RefinementCtx): void {
  if (job.runAt === undefined || job.delayMs === undefined) return;
  for (const field of ["runAt", "delayMs"]) {
    ctx.addIssue({ code: "custom", path: [field], message: "Give runAt or delayMs, not both" });
  }
}

/** Only a group can halt: the queue's default line may be shared with every other user, and has no name to resume. */
export function haltNeedsGroup(job: { group?: string; onFailure?: string }, ctx: z.RefinementCtx): void {
  if (job.onFailure === "halt" && job.group === undefined) {
    ctx.addIssue({ code: "custom", path: ["onFailure"], message: "halt needs a group: only a group can be halted" });
  }
}

export const SubmitJobSchema = z
  .discriminatedUnion("type", variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]], {
    error: `Must be one of: ${Object.keys(catalog).join(", ")}`,
  })
  .superRefine(oneDueTime)
  .superRefine(haltNeedsGroup)
  .meta({
    id: "NewJob",
    description: "A job to run: its type names the payload's schema. Other fields are ignored.",
    examples: [exampleEchoJob, exampleHttpJob],
  });
export type SubmitJob = z.output<typeof SubmitJobSchema>;

export const MAX_BATCH_JOBS = 100;

export const SubmitBatchSchema = z
  .object({
    jobs: z
      .array(SubmitJobSchema)
      .min(1, "Must hold at least one job")
      .max(MAX_BATCH_JOBS, `Must hold at most ${MAX_BATCH_JOBS} jobs`)
      .describe(`1 to ${MAX_BATCH_JOBS} jobs, each as POST /v1/jobs takes it; accepted together or not at all`),
  })
  .meta({ id: "NewJobBatch", examples: [exampleBatch] });
export type SubmitBatch = z.output<typeof SubmitBatchSchema>;

export const SubmitHeadersSchema = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "Must be 1-255 visible ASCII characters")
    .optional()
    .describe("Repeat a submission safely: the same key and body return the same job"),
});

// Any text: an id that is not one of ours answers 404, like one that is missing.
export const JobIdParamsSchema = z.object({ id: z.string().meta({ examples: [exampleQueuedJob.id] }) });

// Elysia splits a query value on commas into an array; a cursor is one opaque string, so join it back.
export const CursorQuery = z
  .preprocess((v) => (Array.isArray(v) ? v.join(",") : v), z.string().max(200).optional())
  .describe("nextCursor of the previous page");

export const LimitQuery = z.coerce.number().int().min(1).max(100).default(20);

export const MAX_WAIT_SECONDS = 60;

export const GetJobQuerySchema = z.object({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(
      `Long-poll: answer as soon as the job is final, or after this many seconds (0-${MAX_WAIT_SECONDS}) with the job ` +
        "as it is then",
    ),
});

export const ListJobsQuerySchema = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  group: group.optional().describe("Only jobs of this group"),
  scheduleId: z
    .string()
    .regex(/^[0-9a-f]{24}$/, "Must be a schedule's id")
    .optional()
    .describe("Only jobs this schedule of yours made"),
  limit: LimitQuery,
  cursor: CursorQuery,
});

export const JobErrorSchema = z
  .object({ code: z.string(), message: z.string() })
  .meta({ id: "JobError", description: "Why the last attempt failed, e.g. http_5xx or timeout" });

export const CallbackSchema = z
  .object({
    url: z.string(),
    status: z
      .enum(CALLBACK_STATUSES)
      .describe("pending until the job is final and a delivery got a 2xx (delivered), or retries ran out (failed)"),
    attempts: z.number().int().describe("Deliveries tried so far"),
    lastError: z
      .string()
      .optional()
      .describe("Why the last delivery failed, e.g. receiver answered 500; absent once delivered"),
    deliveredAt: z.string().optional(),
  })
  .meta({ id: "Callback", description: "The job's webhook (callbackUrl) and how its delivery stands" });

export const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    group: z.string().optional(),
    status: z.enum(JOB_STATUSES),
    payload: z.unknown(),
    result: z.unknown().optional(),
    error: JobErrorSchema.optional(),
    seq: z.number().int().nullable().describe("Position in arrival order; increases along every line"),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    retryAt: z.string().optional().describe("While a failed attempt waits out its backoff: when the next one is due"),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    position: z
      .number()
      .int()
      .optional()
      .describe(
        "A queued job read by GET /v1/jobs/{id}: jobs ahead of it in its line (its running one and queued ones), " +
          "counted up to 10000",
      ),
    etaSeconds: z
      .number()
      .int()
      .optional()
      .describe(
        "With position: a rough estimate of the seconds until the job is done, (position + 1) times the mean run " +
          "time of the queue's last 100 jobs; absent when none finished lately",
      ),
    callback: CallbackSchema.optional(),
    runAt: z.string().optional().describe("A job submitted to run later: when it is due (scheduled until then)"),
    scheduleId: z.string().optional().describe("The schedule that made the job"),
    scheduledFor: z.string().optional().describe("The schedule's tick the job was made for"),
    onFailure: z.enum(ON_FAILURE).optional().describe("halt: failing for good halts the job's line"),
    progress: z
      .object({
        percent: z.number().min(0).max(100),
        message: z.string().optional(),
        at: z.string(),
      })
      .optional()
      .describe("The handler's latest progress report"),
  })
  .meta({
    id: "Job",
    description: "A job as the API shows it. Timestamps are ISO 8601.",
    examples: [exampleSucceededJob, exampleQueuedJob],
  });

export const JobPageSchema = z
  .object({
    items: z.array(JobSchema),
    nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next page; null on the last page"),
  })
  .meta({ id: "JobPage", description: "One page of your jobs, newest first", examples: [exampleJobPage] });

export const JobBatchSchema = z
  .object({
    items: z.array(JobSchema).describe("The batch's jobs, in the order they were submitted"),
  })
  .meta({ id: "JobBatch", examples: [exampleBatchJobs] });
