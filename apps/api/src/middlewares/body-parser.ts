// Body parsing for a JSON-only API, bounded in size and time: 413 before reading when Content-Length is too big and
// while reading a body that grows past the limit, 408 when the body stops arriving (a slowloris client holding a
// connection), then json-body.ts's checks: 415 for other media types, 422 for bad bytes, bad JSON or deep nesting.
import { errors } from "@lineup/errors";
import { Elysia } from "elysia";
import { isBlank, isJsonMediaType, parseJsonBody } from "./json-body";

export type BodyLimits = { limitBytes: number; timeoutMs: number };

export const bodyParser = (limits: BodyLimits) =>
  new Elysia({ name: "body-parser", seed: limits })
    .onRequest(({ request }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > limits.limitBytes) throw errors.payloadTooLarge(limits.limitBytes);
    })
    .onParse({ as: "global" }, async ({ request }) => {
      const bytes = await readBody(request, limits);
      if (isBlank(bytes)) return undefined;
      if (!isJsonMediaType(request.headers.get("content-type"))) throw errors.unsupportedMediaType();
      return parseJsonBody(bytes);
    });

/** The whole body, or 413 past the limit, or 408 when it has not all arrived within the time. */
async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(errors.requestTimeout(Math.ceil(limits.timeoutMs / 1000))), limits.timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), late]);
      if (done) return Buffer.concat(chunks);
      size += value.byteLength;
      if (size > limits.limitBytes) throw errors.payloadTooLarge(limits.limitBytes);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
