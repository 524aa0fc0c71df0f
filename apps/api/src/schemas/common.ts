// Schemas shared by every route: the one error body.
import { z } from "zod";

export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().describe("Stable snake_case code, e.g. validation_failed"),
    message: z.string().describe("Human-readable explanation"),
    details: z.array(z.record(z.string(), z.union([z.string(), z.number()]))).optional(),
  }),
});
