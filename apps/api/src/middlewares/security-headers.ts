// Response headers for a JSON API: no sniffing, no framing, no referrer, no caching of responses that may
// carry tokens or private jobs. The docs UI loads its script from a CDN, so it is spared the strict CSP; the console
// (/admin) gets its own: its own script, style and API calls, nothing inline and nothing from elsewhere.
import { Elysia } from "elysia";

const ALWAYS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-store",
};
const STRICT_CSP = "default-src 'none'; frame-ancestors 'none'";
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function cspFor(path: string): string | undefined {
  if (path.startsWith("/docs")) return undefined;
  return path === "/admin" || path.startsWith("/admin/") ? CONSOLE_CSP : STRICT_CSP;
}

export const securityHeaders = () =>
  new Elysia({ name: "security-headers" }).onRequest(({ request, set }) => {
    Object.assign(set.headers, ALWAYS);
    const csp = cspFor(new URL(request.url).pathname);
    if (csp) set.headers["content-security-policy"] = csp;
  });
