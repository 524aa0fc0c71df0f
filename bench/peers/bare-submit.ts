// The baseline for the api's cost per submission: a bare Elysia app whose POST /v1/jobs verifies an HS256 JWT with
// @elysiajs/jwt and parses the body with zod, as Lineup's does, and answers 202 without storing anything.
// GET /token hands out a token to submit with. PORT and JWT_SECRET from the environment.
import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import { z } from "zod";

const Submission = z.object({
  type: z.string().min(1).max(64),
  group: z.string().min(1).max(128).optional(),
  payload: z.record(z.string(), z.unknown()),
});
const verify = { algorithms: ["HS256"], issuer: "bare", requiredClaims: ["exp", "sub", "jti", "iat"] };
const signer = jwt({ name: "jwt", secret: process.env.JWT_SECRET as string, alg: "HS256", iss: "bare" }).decorator.jwt;

new Elysia()
  .get("/readyz", () => ({ status: "ready" }))
  .get("/token", async () => ({
    accessToken: await signer.sign({ sub: "bench", jti: crypto.randomUUID(), exp: "1h" }),
  }))
  .post("/v1/jobs", async ({ request, body, set }) => {
    const token = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (!(await signer.verify(token, verify as never))) {
      set.status = 401;
      return { error: { code: "unauthorized" } };
    }
    const parsed = Submission.safeParse(body);
    if (!parsed.success) {
      set.status = 422;
      return { error: { code: "validation_failed" } };
    }
    set.status = 202;
    return { id: crypto.randomUUID(), status: "queued", type: parsed.data.type };
  })
  .listen({ hostname: "127.0.0.1", port: Number(process.env.PORT) });
