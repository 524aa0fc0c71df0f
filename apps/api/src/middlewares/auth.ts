// Bearer authentication as a route option: `{ auth: true }` resolves `claims` or answers 401; `{ admin: true }` also
// needs the admin role, else 403 forbidden. The token is checked in the transform hook, before the request is
// validated, so a caller without a valid token (or without the role) learns nothing about what the route would
// accept (401 and 403 come before 422); and, for a request with a body, before the body is read (authBeforeBody).
// The scheme is case-insensitive (RFC 9110: `bearer` is `Bearer`).
import { errors } from "@lineup/errors";
import { Elysia } from "elysia";
import type { Claims, Revocation, Tokens } from "../services/auth";

// Claims already checked for a request (by authBeforeBody, or by the first macro that ran), so a token is verified once.
const verified = new WeakMap<Request, Claims>();

// Routes that take a body without a bearer token: everything else under /v1/ needs one before its body is read.
const PUBLIC_BODIES = new Set(["/v1/auth/register", "/v1/auth/login"]);

/**
 * A request that brings a body to a route that needs a token shows its token before the body is read: a caller
 * without one gets 401 at once, and the api never spends time reading or parsing a stranger's megabyte.
 */
export const authBeforeBody = (tokens: Tokens, revocation: Revocation) =>
  new Elysia({ name: "auth-before-body" }).onRequest(async ({ request }) => {
    if (!hasBody(request)) return;
    const path = new URL(request.url).pathname.replace(/\/+$/, "");
    if (!path.startsWith("/v1/") || PUBLIC_BODIES.has(path)) return;
    verified.set(request, await authenticate(tokens, revocation, request.headers.get("authorization") ?? undefined));
  });

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return length !== "0";
  return request.body !== null || request.headers.has("transfer-encoding");
}

export const authPlugin = (tokens: Tokens, revocation: Revocation) => {
  return new Elysia({ name: "auth" }).macro({
    auth: {
      detail: { security: [{ bearerAuth: [] }] },
      // Read from the request: a route's own headers schema strips keys it does not name.
      async transform({ request }) {
        if (verified.has(request)) return;
        verified.set(
          request,
          await authenticate(tokens, revocation, request.headers.get("authorization") ?? undefined),
        );
      },
      resolve({ request }): { claims: Claims } {
        const claims = verified.get(request);
        if (!claims) throw errors.unauthorized();
        return { claims };
      },
    },
    admin: {
      detail: { security: [{ bearerAuth: [] }] },
      async transform({ request }) {
        const claims =
          verified.get(request) ??
          (await authenticate(tokens, revocation, request.headers.get("authorization") ?? undefined));
        verified.set(request, claims);
        if (claims.role !== "admin") throw errors.forbidden();
      },
      resolve({ request }): { claims: Claims } {
        const claims = verified.get(request);
        if (!claims) throw errors.unauthorized();
        return { claims };
      },
    },
  });
};
export async function authenticate(
  tokens: Tokens,
  revocation: Revocation,
  header: string | undefined,
): Promise<Claims> {
  const match = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i.exec(header?.trim() ?? "");
  if (!match?.[1]) throw errors.unauthorized();
  const claims = await tokens.verify(match[1]);
  if (!claims) throw errors.unauthorized("The bearer token is invalid or expired.");
  if (!(await revocation.isValid(claims))) throw errors.unauthorized("The bearer token was revoked.");
  return claims;
}
