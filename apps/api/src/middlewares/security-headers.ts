// Response headers for a JSON API: no sniffing, no framing, no referrer, no caching of responses that may
// carry tokens or private jobs. The docs UI loads its script from a CDN, so it is spared the strict CSP.
import { Elysia } from "elysia";

const ALWAYS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-store",
};
const STRICT_CSP = "default-src 'none'; frame-ancestors 'none'";

export const securityHeaders = () =>
  new Elysia({ name: "security-headers" }).onRequest(({ request, set }) => {
    Object.assign(set.headers, ALWAYS);
    if (!new URL(request.url).pathname.startsWith("/docs")) set.headers["content-security-policy"] = STRICT_CSP;
  });
