// Standard Webhooks signatures: HMAC-SHA256 over `<msg id>.<timestamp>.<body>` with the secret's key, sent as
// `v1,<base64>`; several secrets (one just rotated out) give several space-separated signatures, any of which verifies.
import { createHmac } from "node:crypto";
import { keyOf } from "./secret";

export function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The three headers of one delivery attempt; `timestamp` in seconds, the attempt's own time. */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => signatureOf(s, id, timestamp, body)).join(" "),
  };
}
