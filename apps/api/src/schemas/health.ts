// Schemas of the liveness and readiness probes.
import { z } from "zod";

export const HealthSchema = z.object({ status: z.literal("ok") });

export const ReadySchema = z.object({
  status: z.literal("ready"),
  checks: z.object({ mongo: z.literal("ok"), redis: z.literal("ok") }),
  queue: z
    .object({ name: z.string(), paused: z.boolean() })
    .describe("A paused queue still accepts jobs; workers take none until it is resumed"),
});
