// Schemas shared by every route: the one error body, and the documented error answers built on it.
import { type AppError, errors } from "@lineup/errors";
import { z } from "zod";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable snake_case code, e.g. validation_failed: branch on it, not on the message"),
      message: z.string().describe("Human-readable explanation"),
      details: z
        .array(z.record(z.string(), z.union([z.string(), z.number()])))
        .optional()
        .describe("For validation_failed: one { path, message } per problem; submitted values are never echoed"),
    }),
  })
  .meta({ id: "Error", description: "Every error answer has this shape." });

/**
 * An error answer as the document shows it: what it means and, as examples, the bodies the code sends (made by the
 * same constructors the code throws).
 */
export function errorResponse(meaning: string, ...answers: AppError[]) {
  const codes = answers.map((a) => `\`${a.code}\``).join(", ");
  return ErrorSchema.meta({ description: `${meaning} (${codes})`, examples: answers.map((a) => a.toBody()) });
}

/** An error answer's content written out as OpenAPI, for routes that document their answers by hand. */
export const errorContent = (example: AppError) => ({
  "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: example.toBody() },
});

/** The errors of every route that needs a bearer token. */
export const authErrors = {
  401: errorResponse(
    "No bearer token, or one that is invalid, expired or revoked",
    errors.unauthorized(),
    errors.unauthorized("The bearer token was revoked."),
  ),
};

/** The errors of every route that reads a JSON body. */
export const bodyErrors = {
  413: errorResponse("The body is larger than BODY_LIMIT_BYTES", errors.payloadTooLarge(1_048_576)),
  415: errorResponse("The body is not JSON", errors.unsupportedMediaType()),
};

/** MongoDB or Redis cannot be reached: nothing was changed, try again. */
export const unavailable = errorResponse(
  "MongoDB or Redis does not answer; nothing was recorded, try again shortly",
  errors.unavailable("A backing service is unavailable; try again shortly."),
);

export const validationFailed = (...examples: AppError[]) =>
  errorResponse(
    "The request does not match its schema; each detail names a field (never its value)",
    ...(examples.length ? examples : [errors.validation([{ path: "email", message: "Must be an email address" }])]),
  );
