// Limits on a job payload beyond the body limit: its JSON size and nesting depth (a 1 MiB body can still
// nest 100,000 levels deep, which costs every reader a stack).
import { errors } from "@lineup/errors";

export const MAX_PAYLOAD_DEPTH = 32;

/** `json` is the payload as it will be stored (JSON.stringify of it); `path` is where the 422 says it is. */
export function checkPayloadLimits(payload: unknown, json: string, maxBytes: number, path = "payload"): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) {
    throw errors.validation([{ path, message: `Must be at most ${maxBytes} bytes as JSON` }]);
  }
  if (depthOf(payload) > MAX_PAYLOAD_DEPTH) {
    throw errors.validation([{ path, message: `Must nest at most ${MAX_PAYLOAD_DEPTH} levels deep` }]);
  }
}

/** Depth without recursion, so a hostile payload cannot overflow the stack here either. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_PAYLOAD_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
