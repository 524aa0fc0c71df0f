// Limits on a job payload beyond the body limit: its JSON size and nesting depth, measured together in one pass
// without recursion and before anything recursive (JSON.stringify, hashing) touches the value.
import { errors } from "@lineup/errors";
import { walkJson } from "../shared";

export const MAX_PAYLOAD_DEPTH = 32;

/**
 * Throws 422 when the payload nests deeper than MAX_PAYLOAD_DEPTH or its JSON text would exceed maxBytes; `path` is
 * where the 422 says it is.
 */
export function checkPayloadLimits(payload: unknown, maxBytes: number, path = "payload"): void {
  let bytes = 0;
  let tooDeep = false;
  walkJson(payload, ({ value, depth, key }) => {
    tooDeep = depth > MAX_PAYLOAD_DEPTH;
    bytes += jsonBytes(value) + (key === undefined ? 0 : jsonBytes(key) + 1);
    return !tooDeep && bytes <= maxBytes;
  });
  if (tooDeep) {
    throw errors.validation([{ path, message: `Must nest at most ${MAX_PAYLOAD_DEPTH} levels deep` }]);
  }
  if (bytes > maxBytes) {
    throw errors.validation([{ path, message: `Must be at most ${maxBytes} bytes as JSON` }]);
  }
}

/**
 * What one value adds to JSON.stringify's output: a scalar its text; an array or object its brackets and the commas
 * between members (the members count themselves, and an object member also its quoted key and colon).
 */
function jsonBytes(value: unknown): number {
  if (Array.isArray(value)) return 2 + Math.max(0, value.length - 1);
  if (value !== null && typeof value === "object") return 2 + Math.max(0, Object.keys(value).length - 1);
  return Buffer.byteLength(JSON.stringify(value) ?? "null");
}
