// Accounts: register, log in and look up the current user. Plain functions over explicit dependencies.

import {
  type Db,
  findUserByEmail,
  findUserById,
  insertUser,
  isDuplicateKey,
  changePassword as storePassword,
  type UserDoc,
} from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import type { Credentials, PasswordChange, UserView } from "../schemas/auth";
import type { RateLimits } from "./rate-limits";
import type { Revocation } from "./revocation";
import type { Claims, IssuedToken, Tokens } from "./tokens";

export type AccountsDeps = {
  db: Db;
  tokens: Tokens;
  bcryptCost: number;
  adminEmails: readonly string[];
  revocation: Revocation;
  rateLimits: RateLimits;
  now: () => Date;
};

type BearerToken = IssuedToken & { tokenType: "Bearer" };

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

export async function login(deps: AccountsDeps, input: Credentials, address: string): Promise<BearerToken> {
  await deps.rateLimits.login(input.email, address);
  const user = await findUserByEmail(deps.db, input.email);
  const ok = await Bun.password.verify(
    input.password,
    user?.passwordHash ?? (await dummyHash(deps.bcryptCost)),
    "bcrypt",
  );
  if (!user || !ok) throw errors.invalidCredentials();
  return issueFor(deps, user, user.tokenGeneration ?? 0);
}

async function issueFor(deps: AccountsDeps, user: UserDoc, gen: number): Promise<BearerToken> {
  const token = await deps.tokens.issue({ id: user._id.toHexString(), role: user.role, gen });
  return { ...token, tokenType: "Bearer" };
}

export async function currentUser(deps: Pick<AccountsDeps, "db">, userId: string): Promise<UserView> {
  const user = await findUserById(deps.db, userId);
  // A valid token for a user that no longer exists is as good as no token.
  if (!user) throw errors.unauthorized();
  return toUserView(user);
}

/** Ends this token's life now; other tokens of the user stay valid. */
export async function logout(deps: Pick<AccountsDeps, "revocation">, claims: Claims): Promise<void> {
  await deps.revocation.revoke(claims);
}

export const wrongPassword = () => new AppError(403, "wrong_password", "The current password is wrong.");
export const passwordChanged = () =>
  errors.conflict("password_changed", "The password was changed meanwhile; log in again.");

/** Needs the current password; retires every token issued before and returns a fresh one. */
export async function changePassword(deps: AccountsDeps, claims: Claims, input: PasswordChange): Promise<BearerToken> {
  const user = await findUserById(deps.db, claims.sub);
  if (!user) throw errors.unauthorized();
  if (!(await Bun.password.verify(input.currentPassword, user.passwordHash, "bcrypt"))) {
    throw wrongPassword();
  }
  const passwordHash = await Bun.password.hash(input.newPassword, { algorithm: "bcrypt", cost: deps.bcryptCost });
  const generation = await storePassword(deps.db, {
    id: claims.sub,
    expectedGeneration: user.tokenGeneration ?? 0,
    passwordHash,
  });
  if (generation === null) throw passwordChanged();
  await deps.revocation.setGeneration(claims.sub, generation);
  return issueFor(deps, user, generation);
}
