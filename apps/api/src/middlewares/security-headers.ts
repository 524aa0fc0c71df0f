// Response headers for a JSON API: no sniffing, no framing, no referrer, no caching of responses that may
// carry tokens or private jobs. The docs page loads its scripts and styles from this api, and from nowhere else.
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

export const securityHeaders = () =>
  new Elysia({ name: "security-headers" }).onRequest(({ request, set }) => {
    Object.assign(set.headers, ALWAYS);
    const docsPage = /^\/docs\/?$/.test(new URL(request.url).pathname);
    set.headers["content-security-policy"] = docsPage ? DOCS_CSP : STRICT_CSP;
  });
