// Schemas of the liveness and readiness probes.
import { z } from "zod";

export const HealthSchema = z
  .object({ status: z.literal("ok") })
  .meta({ id: "Health", description: "The process is up", examples: [{ status: "ok" }] });

export const ReadySchema = z
  .object({
    status: z.literal("ready"),
    checks: z.object({ mongo: z.literal("ok"), redis: z.literal("ok") }),
    queue: z
      .object({ name: z.string(), paused: z.boolean() })
      .describe("A paused queue still accepts jobs; workers take none until it is resumed"),
  })
  .meta({
    id: "Ready",
    description: "MongoDB and Redis answer",
    examples: [{ status: "ready", checks: { mongo: "ok", redis: "ok" }, queue: { name: "default", paused: false } }],
  });
