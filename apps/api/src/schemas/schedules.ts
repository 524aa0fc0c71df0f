// Request and response schemas of the schedules routes: cron schedules that make one job per tick.
import { catalog } from "@lineup/jobs";
import { z } from "zod";
import { exampleSchedule, exampleScheduleRequest } from "./examples";
import { CursorQuery, haltNeedsGroup, jobVariants, LimitQuery } from "./jobs";

export const ScheduleJobSchema = z
  .discriminatedUnion(
    "type",
    jobVariants as unknown as [(typeof jobVariants)[number], ...(typeof jobVariants)[number][]],
    { error: `Must be one of: ${Object.keys(catalog).join(", ")}` },
  )
  .superRefine(haltNeedsGroup)
  .meta({ id: "ScheduleJob", description: "The job each tick makes, as POST /v1/jobs takes it (no runAt or delayMs)" });
export type ScheduleJob = z.output<typeof ScheduleJobSchema>;

const cron = z
  .string()
  .min(1)
  .max(200)
  .describe(
    "5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. 30 2 * * * or */10 * * * * *",
  );
const timezone = z
  .string()
  .min(1)
  .max(64)
  .describe("An IANA time zone, e.g. Europe/Berlin; ticks follow its wall clock");
const name = z.string().min(1).max(200).describe("Your name for it");

export const NewScheduleSchema = z
  .object({
    cron,
    timezone: timezone.optional().describe("An IANA time zone (default UTC); ticks follow its wall clock"),
    job: ScheduleJobSchema,
    name: name.optional(),
    paused: z.boolean().optional().describe("Made paused: no tick fires until it is resumed"),
  })
  .meta({ id: "NewSchedule", examples: [exampleScheduleRequest] });
export type NewSchedule = z.output<typeof NewScheduleSchema>;

export const SchedulePatchSchema = z
  .object({
    cron: cron.optional(),
    timezone: timezone.optional(),
    job: ScheduleJobSchema.optional(),
    name: name.optional(),
    paused: z.boolean().optional().describe("true stops its ticks; false runs them again from now"),
  })
  .meta({ id: "SchedulePatch", examples: [{ paused: true }, { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }] });
export type SchedulePatch = z.output<typeof SchedulePatchSchema>;

export const ScheduleSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    cron: z.string(),
    timezone: z.string(),
    job: z.object({
      type: z.string(),
      payload: z.unknown(),
      group: z.string().optional(),
      maxAttempts: z.number().int().optional(),
      callbackUrl: z.string().optional(),
      onFailure: z.enum(["continue", "halt"]).optional(),
    }),
    paused: z.boolean(),
    nextRunAt: z.string().nullable().describe("When the next tick fires; null while paused"),
    lastRunAt: z.string().optional().describe("The tick that made the last job"),
    createdAt: z.string(),
  })
  .meta({ id: "Schedule", examples: [exampleSchedule] });

export const ScheduleParamsSchema = z.object({ id: z.string().meta({ examples: [exampleSchedule.id] }) });

export const ListSchedulesQuerySchema = z.object({ limit: LimitQuery, cursor: CursorQuery });

export const SchedulePageSchema = z
  .object({
    items: z.array(ScheduleSchema),
    nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next page; null on the last page"),
  })
  .meta({
    id: "SchedulePage",
    description: "Your schedules, newest first",
    examples: [{ items: [exampleSchedule], nextCursor: null }],
  });
