// Any JSON value, as a named zod schema (the api documents it once, as the JsonValue component).
import { z } from "zod";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// JSON's own shapes, with the value schema for the items of arrays and objects; see also httpPayload's body.
const shapesOf = (value: z.ZodType<JsonValue>) =>
  [z.number(), z.boolean(), z.null(), z.array(value), z.record(z.string(), value)] as const;

export const jsonValue: z.ZodType<JsonValue> = z
  .lazy(() => z.union([z.string(), ...shapesOf(jsonValue)]))
  .meta({ id: "JsonValue", description: "Any JSON value" });

/** Any JSON value whose top-level string, if it is one, is at most maxLength characters. */
export function jsonValueWithStringMax(maxLength: number): z.ZodType<JsonValue> {
  return z.union([z.string().max(maxLength), ...shapesOf(jsonValue)]);
}
