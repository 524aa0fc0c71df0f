// Accounts routes: register, login, me.
import { Elysia } from "elysia";
import { authPlugin } from "../middlewares/auth";
import { CredentialsSchema, TokenSchema, UserSchema } from "../schemas/auth";
import { ErrorSchema } from "../schemas/common";
import { type AccountsDeps, currentUser, login, register } from "../services/accounts";

export const authRoutes = (deps: AccountsDeps) =>
  new Elysia({ name: "auth-routes", prefix: "/v1/auth" })
    .use(authPlugin(deps.tokens))
    .post(
      "/register",
      async ({ body, set }) => {
        set.status = 201;
        return register(deps, body);
      },
      {
        body: CredentialsSchema,
        parse: "json",
        response: { 201: UserSchema, 409: ErrorSchema, 413: ErrorSchema, 422: ErrorSchema },
        detail: { tags: ["auth"], summary: "Create an account" },
      },
    )
    .post("/login", ({ body }) => login(deps, body), {
      body: CredentialsSchema,
      parse: "json",
      response: { 200: TokenSchema, 401: ErrorSchema, 422: ErrorSchema },
      detail: { tags: ["auth"], summary: "Exchange email and password for a bearer token" },
    })
    .get("/me", ({ claims }) => currentUser(deps, claims.sub), {
      auth: true,
      response: { 200: UserSchema, 401: ErrorSchema },
      detail: { tags: ["auth"], summary: "The account the bearer token belongs to" },
    });
