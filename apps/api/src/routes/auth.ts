// Accounts routes: register, login, me.
import { Elysia } from "elysia";
import { authenticate, authPlugin } from "../middlewares/auth";
import type { ClientAddress } from "../middlewares/client-address";
import { CredentialsSchema, PasswordChangeSchema, TokenSchema, UserSchema, WebhookSecretSchema } from "../schemas/auth";
import {
  changePasswordAnswers,
  loginAnswers,
  logoutAnswers,
  meAnswers,
  registerAnswers,
  webhookSecretAnswers,
} from "../schemas/auth-answers";
import {
  type AccountsDeps,
  changePassword,
  currentUser,
  login,
  logout,
  register,
  rotateWebhookSecret,
  webhookSecret,
} from "../services/auth";

export const authRoutes = (deps: AccountsDeps & { clientAddress: ClientAddress }) =>
  new Elysia({ name: "auth-routes", prefix: "/v1/auth" })
    .use(authPlugin(deps.tokens, deps.revocation))
    .post(
      "/register",
      async ({ body, request, server, set }) => {
        // A bearer token is optional here: it matters with REGISTRATION=admin, and exempts admins from the limit.
        const header = request.headers.get("authorization");
        const claims = header ? await authenticate(deps.tokens, deps.revocation, header) : undefined;
        const created = await register(deps, body, { address: deps.clientAddress(request, server), claims });
        set.status = 201;
        return created;
      },
      {
        body: CredentialsSchema,
        parse: "json",
        response: { 201: UserSchema, ...registerAnswers },
        detail: {
          tags: ["auth"],
          summary: "Create an account",
          description:
            "Then log in for a bearer token. The email is trimmed and lower-cased. Registration is open to anyone, " +
            "closed (403 registration_closed), or for admins only (REGISTRATION=admin: 401 without a token, 403 for " +
            "a non-admin one). Anonymous sign-ups are limited per client address (429).",
          security: [{}, { bearerAuth: [] }],
        },
      },
    )
    .post("/login", ({ body, request, server }) => login(deps, body, deps.clientAddress(request, server)), {
      body: CredentialsSchema,
      parse: "json",
      response: { 200: TokenSchema, ...loginAnswers },
      detail: {
        tags: ["auth"],
        summary: "Exchange email and password for a bearer token",
        description:
          "Send the token as `Authorization: Bearer <accessToken>` until it expires (expiresIn seconds). 429 after " +
          "too many failed logins; 503 with Retry-After when too many logins arrive at once.",
      },
    })
    .get("/me", ({ claims }) => currentUser(deps, claims.sub), {
      auth: true,
      response: { 200: UserSchema, ...meAnswers },
      detail: { tags: ["auth"], summary: "The account the bearer token belongs to" },
    })
    .post(
      "/logout",
      async ({ claims, set }) => {
        await logout(deps, claims);
        set.status = 204;
      },
      {
        auth: true,
        // 204 has no body: documented by hand, since a schema would document a JSON body that never comes.
        detail: {
          tags: ["auth"],
          summary: "Revoke the bearer token used for this request",
          responses: logoutAnswers,
        },
      },
    )
    .post("/password", ({ claims, body }) => changePassword(deps, claims, body), {
      auth: true,
      body: PasswordChangeSchema,
      parse: "json",
      response: { 200: TokenSchema, ...changePasswordAnswers },
      detail: {
        tags: ["auth"],
        summary: "Change the password; every older token stops working, and a new one is returned",
      },
    })
    .get("/webhook-secret", ({ claims }) => webhookSecret(deps, claims.sub), {
      auth: true,
      response: { 200: WebhookSecretSchema, ...webhookSecretAnswers },
      detail: {
        tags: ["auth"],
        summary: "Your webhook signing secret (made on first ask)",
        description:
          "Every webhook of your jobs (callbackUrl) is signed with it per Standard Webhooks: verify webhook-id, " +
          "webhook-timestamp and webhook-signature with a Standard Webhooks library given this secret.",
      },
    })
    .post("/webhook-secret/rotate", ({ claims }) => rotateWebhookSecret(deps, claims.sub), {
      auth: true,
      response: { 200: WebhookSecretSchema, ...webhookSecretAnswers },
      detail: {
        tags: ["auth"],
        summary: "Replace your webhook signing secret",
        description:
          "Deliveries are signed with the new secret at once, and for 24 hours with the old one too " +
          "(previousValidUntil), so a receiver that still holds the old one keeps verifying while you update it.",
      },
    });
