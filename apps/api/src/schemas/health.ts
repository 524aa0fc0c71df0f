// Schemas of the liveness and readiness probes.
import { z } from "zod";

export const HealthSchema = z.object({ status: z.literal("ok") });

export const ReadySchema = z.object({
  status: z.literal("ready"),
  checks: z.object({ mongo: z.literal("ok"), redis: z.literal("ok") }),
});
