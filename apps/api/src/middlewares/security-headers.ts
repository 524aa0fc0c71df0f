// Response headers for a JSON API: no sniffing, no framing, no referrer, no caching of responses that may
// carry tokens or private jobs. The docs page loads its scripts and styles from this api, and from nowhere else; the
// console (/admin) gets its own: its own script, style and API calls, nothing inline and nothing from elsewhere.
import { Elysia } from "elysia";

const ALWAYS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-store",
};
const STRICT_CSP = "default-src 'none'; frame-ancestors 'none'";
// 'self' only: no inline script or style, no eval, no CDN.
const DOCS_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function cspFor(path: string): string {
  if (/^\/docs\/?$/.test(path)) return DOCS_CSP;
  return path === "/admin" || path.startsWith("/admin/") ? CONSOLE_CSP : STRICT_CSP;
}

export const securityHeaders = () =>
  new Elysia({ name: "security-headers" }).onRequest(({ request, set }) => {
    Object.assign(set.headers, ALWAYS);
    set.headers["content-security-policy"] = cspFor(new URL(request.url).pathname);
  });
