// `http`: one HTTP request to a target; the payload schema is checked by the api at submission.
import { z } from "zod";
import { jsonValueWithStringMax } from "./json-value";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

export const httpPayload = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "Must be an http or https URL" }).max(2048),
    method: z.enum(HTTP_METHODS),
    headers: z
      .record(
        // A header name is an HTTP token; a value has no line break or NUL, which no request could carry.
        z
          .string()
          .regex(
            /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/,
            "Must be a header name (letters, digits, ! # $ % & ' * + . ^ _ ` | ~ -)",
          ),
        z
          .string()
          .max(8192)
          .regex(/^[^\r\n\0]*$/, "Must not hold a line break or NUL"),
      )
      .refine((h) => Object.keys(h).length <= 50, "At most 50 headers")
      .optional(),
    body: jsonValueWithStringMax(256 * 1024)
      .optional()
      .describe(
        "A string is sent as it is; any other JSON value is sent as JSON, with content-type: application/json " +
          "unless headers name another content-type. Dropped on GET and HEAD.",
      ),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

export type HttpPayload = z.output<typeof httpPayload>;
