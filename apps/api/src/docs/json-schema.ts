// zod -> JSON Schema for the OpenAPI document. A schema with a `.meta({ id })` becomes a named component
// (#/components/schemas/<id>) that every use refers to, instead of a copy inlined at each route.
import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

const DEFS = "#/$defs/";
const COMPONENTS = "#/components/schemas/";

export function createSchemaMapper() {
  const components: Record<string, JsonSchema> = {};

  /** One schema as the document shows it; the named schemas it uses are collected as components. */
  function toJsonSchema(schema: z.ZodType): JsonSchema {
    // Request bodies strip unknown keys, so document the input side (no additionalProperties: false).
    const {
      $schema: _dialect,
      $defs,
      ...json
    } = pointToComponents(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" })) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [id, definition] of Object.entries($defs ?? {})) {
      // zod names a recursive schema without an id __schema0, __schema1, ... afresh in every conversion.
      if (id.startsWith("__schema")) throw new Error("A recursive schema needs .meta({ id }) to be documented");
      components[id] = definition;
    }
    return json;
  }

  return { toJsonSchema, components: () => components };
}

/** Rewrites every `#/$defs/<id>` reference into `#/components/schemas/<id>`. */
function pointToComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointToComponents);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === "$ref" && typeof v === "string" && v.startsWith(DEFS)
        ? COMPONENTS + v.slice(DEFS.length)
        : pointToComponents(v),
    ]),
  );
}
