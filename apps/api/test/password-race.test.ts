// A password change racing a login, and a token-generation cache fill racing a password change: neither may hand out
// or revive a token the change retired.
import { afterAll, afterEach, beforeAll, describe, expect, it, mock, spyOn } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { createRevocation } from "../src/services/auth";
import { makeApp, uniqueEmail } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;
const OLD = "the old password";
const NEW = "the new password";

beforeAll(async () => {
  ctx = await createTestContext("pwrace");
  // Two hashing slots: the password change below runs while the racing login holds one.
  api = await makeApp(ctx, { env: { HASH_CONCURRENCY: "2" } });
});
afterAll(() => ctx.cleanup());
afterEach(() => mock.restore());

async function account() {
  const email = uniqueEmail("race");
  const user = (await api.call("POST", "/v1/auth/register", { body: { email, password: OLD } })).body;
  const token = (await api.call("POST", "/v1/auth/login", { body: { email, password: OLD } })).body.accessToken;
  return { email, id: user.id as string, token: token as string };
}

const changePassword = (token: string) =>
  api.call("POST", "/v1/auth/password", { token, body: { currentPassword: OLD, newPassword: NEW } });

describe("password change races", () => {
  it("answers 401 to a login whose password was changed while bcrypt checked it, never a dead token", async () => {
    const { email, token } = await account();
    // The change lands exactly while the login's bcrypt check runs: after the login read the user, before it answers.
    const verify = Bun.password.verify.bind(Bun.password);
    let changed: Promise<unknown> | undefined;
    spyOn(Bun.password, "verify").mockImplementation(async (password, hash, algorithm) => {
      const ok = await verify(password, hash, algorithm);
      if (!changed && password === OLD) {
        changed = changePassword(token);
        expect(((await changed) as { status: number }).status).toBe(200);
      }
      return ok;
    });
    const raced = await api.call("POST", "/v1/auth/login", { body: { email, password: OLD } });
    mock.restore();
    expect(changed).toBeDefined();
    expect(raced.status).toBe(401);
    expect(raced.body.error.code).toBe("invalid_credentials");
    expect((await api.call("POST", "/v1/auth/login", { body: { email, password: NEW } })).status).toBe(200);
  });

  it("keeps a retired token dead when a cache fill that read the old generation lands after the change", async () => {
    const { id, token } = await account();
    expect((await changePassword(token)).status).toBe(200);
    // What a request that read generation 0 from MongoDB before the change writes to the cache after it.
    await createRevocation({ redis: ctx.redisClient, db: ctx.db }).raiseGeneration(id, 0);
    expect((await api.call("GET", "/v1/auth/me", { token })).status).toBe(401);
  });
});
