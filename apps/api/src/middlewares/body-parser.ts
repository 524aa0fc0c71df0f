// JSON-only body parsing with a size limit: 413 before reading when Content-Length is too big,
// 413 while reading for chunked bodies, 415 for other media types, 422 for malformed JSON.
import { errors } from "@lineup/errors";
import { Elysia } from "elysia";

export const bodyParser = (limitBytes: number) =>
  new Elysia({ name: "body-parser", seed: limitBytes })
    .onRequest(({ request }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > limitBytes) throw errors.payloadTooLarge(limitBytes);
    })
    .onParse({ as: "global" }, async ({ request, contentType }) => {
      const text = await readLimited(request, limitBytes);
      if (text.trim() === "") return undefined;
      const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
      if (type && type !== "application/json" && !type.endsWith("+json")) throw errors.unsupportedMediaType();
      try {
        return JSON.parse(text);
      } catch {
        throw errors.validation([{ path: "body", message: "Body is not valid JSON" }], "The body could not be parsed.");
      }
    });

async function readLimited(request: Request, limitBytes: number): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limitBytes) throw errors.payloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
