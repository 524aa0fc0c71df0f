// OpenAPI document at /docs/json and its UI at /docs, with zod schemas mapped by z.toJSONSchema.
import { openapi } from "@elysiajs/openapi";
import { z } from "zod";

// Request bodies strip unknown keys, so document the input side (no additionalProperties: false).
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return json;
}

export const docs = () =>
  openapi({
    path: "/docs",
    specPath: "/docs/json",
    mapJsonSchema: { zod: toJsonSchema },
    exclude: { paths: ["/docs", "/docs/json"] },
    documentation: {
      info: {
        title: "Lineup",
        version: "1.0.0",
        description:
          "Self-hosted ordered request queue: submit jobs, a worker runs them one at a time in arrival order.",
      },
      tags: [
        { name: "auth", description: "Accounts and tokens" },
        { name: "jobs", description: "Submit jobs and follow them" },
        { name: "health", description: "Probes" },
        { name: "ops", description: "Prometheus metrics" },
        { name: "console", description: "The operations console, a web page for admins" },
      ],
      components: {
        securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
  });
