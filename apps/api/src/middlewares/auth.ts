// Bearer authentication as a route option: `{ auth: true }` resolves `claims` or answers 401; `{ admin: true }` also
// needs the admin role, else 403 forbidden. The token is checked in the transform hook, before the request is
// validated, so a caller without a valid token (or without the role) learns nothing about what the route would
// accept (401 and 403 come before 422).
import { errors } from "@lineup/errors";
import { Elysia } from "elysia";
import type { Claims, Revocation, Tokens } from "../services/auth";

export const authPlugin = (tokens: Tokens, revocation: Revocation) => {
  const verified = new WeakMap<Request, Claims>();
  return new Elysia({ name: "auth" }).macro({
    auth: {
      detail: { security: [{ bearerAuth: [] }] },
      // Read from the request: a route's own headers schema strips keys it does not name.
      async transform({ request }) {
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
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header?.trim() ?? "");
  if (!match?.[1]) throw errors.unauthorized();
  const claims = await tokens.verify(match[1]);
  if (!claims) throw errors.unauthorized("The bearer token is invalid or expired.");
  if (!(await revocation.isValid(claims))) throw errors.unauthorized("The bearer token was revoked.");
  return claims;
}
