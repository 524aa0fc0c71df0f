// Accounts: register, log in and look up the current user. Plain functions over explicit dependencies.

import { type Db, findUserByEmail, findUserById, insertUser, isDuplicateKey, type UserDoc } from "@lineup/db";
import { errors } from "@lineup/errors";
import type { Credentials, UserView } from "../schemas/auth";
import type { IssuedToken, Tokens } from "./tokens";

export type AccountsDeps = {
  db: Db;
  tokens: Tokens;
  bcryptCost: number;
  adminEmails: readonly string[];
  now: () => Date;
};

export function toUserView(user: UserDoc): UserView {
  return { id: user._id.toHexString(), email: user.email, role: user.role, createdAt: user.createdAt.toISOString() };
}

export async function register(deps: AccountsDeps, input: Credentials): Promise<UserView> {
  const passwordHash = await Bun.password.hash(input.password, { algorithm: "bcrypt", cost: deps.bcryptCost });
  const role = deps.adminEmails.includes(input.email) ? "admin" : "user";
  try {
    return toUserView(await insertUser(deps.db, { email: input.email, passwordHash, role, now: deps.now() }));
  } catch (err) {
    if (isDuplicateKey(err)) throw errors.emailTaken();
    throw err;
  }
}

// Verified against when the email is unknown, so both failures cost one bcrypt verify.
const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = Bun.password.hash(crypto.randomUUID(), { algorithm: "bcrypt", cost });
    dummyHashes.set(cost, hash);
  }
  return hash;
}

export async function login(deps: AccountsDeps, input: Credentials): Promise<IssuedToken & { tokenType: "Bearer" }> {
  const user = await findUserByEmail(deps.db, input.email);
  const ok = await Bun.password.verify(
    input.password,
    user?.passwordHash ?? (await dummyHash(deps.bcryptCost)),
    "bcrypt",
  );
  if (!user || !ok) throw errors.invalidCredentials();
  const token = await deps.tokens.issue({ id: user._id.toHexString(), role: user.role });
  return { ...token, tokenType: "Bearer" };
}

export async function currentUser(deps: Pick<AccountsDeps, "db">, userId: string): Promise<UserView> {
  const user = await findUserById(deps.db, userId);
  // A valid token for a user that no longer exists is as good as no token.
  if (!user) throw errors.unauthorized();
  return toUserView(user);
}
