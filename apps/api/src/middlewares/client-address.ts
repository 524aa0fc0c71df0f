// The client's address for per-address limits: the socket's peer, or X-Forwarded-For's first entry when the
// operator says a proxy in front sets it (TRUST_PROXY). Without either (in-process tests), "unknown".
import type { Server } from "bun";

export function clientAddress(
  request: Request,
  server: Server<unknown> | null | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? "unknown";
}
