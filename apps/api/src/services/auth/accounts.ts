// Accounts: register, log in and look up the current user. Plain functions over explicit dependencies.

import {
  type Db,
  findUserByEmail,
  findUserById,
  insertUser,
  isDuplicateKey,
  changePassword as storePassword,
  type UserDoc,
  upgradePasswordHash,
} from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import type { Credentials, PasswordChange, UserView } from "../../schemas/auth";
import type { RateLimits } from "../shared";
import type { PasswordCheck, Passwords } from "./passwords";
import type { Revocation } from "./revocation";
import type { Claims, IssuedToken, Tokens } from "./tokens";

/** Who may create accounts: anyone, nobody, or only admins (the first one is the admin command's: `admin create`). */
export type RegistrationMode = "open" | "closed" | "admin";

export type AccountsDeps = {
  db: Db;
  tokens: Tokens;
  passwords: Passwords;
  registration: RegistrationMode;
  revocation: Revocation;
  rateLimits: RateLimits;
  now: () => Date;
};

type BearerToken = IssuedToken & { tokenType: "Bearer" };

export function toUserView(user: UserDoc): UserView {
  return { id: user._id.toHexString(), email: user.email, role: user.role, createdAt: user.createdAt.toISOString() };
}

/** Who is asking to register: the client address, and the caller's claims when a bearer token came along. */
export type Registrant = { address: string; claims?: Claims };

/** Registration never grants admin: a role sent by the client is ignored, and every account starts as a user. */
export async function register(deps: AccountsDeps, input: Credentials, by: Registrant): Promise<UserView> {
  const byAdmin = by.claims?.role === "admin";
  if (deps.registration === "closed") {
    throw registrationClosed();
  }
  if (deps.registration === "admin" && !byAdmin) {
    if (!by.claims) throw errors.unauthorized(ADMINS_ONLY);
    throw adminsOnly();
  }
  // Every sign-up costs a bcrypt hash and makes an account with its own quotas: counted per address, admins aside.
  if (!byAdmin) await deps.rateLimits.register(by.address);
  return createAccount(deps, input);
}

/**
 * Stores a new account with the user role, whoever asked: registration after its checks, or the operator's admin
 * command (which answers to no REGISTRATION mode, so a closed deployment gets its first account). A role other than
 * user is only ever an operator's grant (services/admin/roles.ts).
 */
export async function createAccount(
  deps: Pick<AccountsDeps, "db" | "passwords" | "now">,
  input: Credentials,
): Promise<UserView> {
  const passwordHash = await deps.passwords.hash(input.password, "registration");
  try {
    return toUserView(await insertUser(deps.db, { email: input.email, passwordHash, role: "user", now: deps.now() }));
  } catch (err) {
    if (isDuplicateKey(err)) throw errors.emailTaken();
    throw err;
  }
}

export async function login(deps: AccountsDeps, input: Credentials, address: string): Promise<BearerToken> {
  const attempt = await deps.rateLimits.beginLogin(input.email, address);
  let user: UserDoc | null;
  let checked: PasswordCheck;
  try {
    user = await findUserByEmail(deps.db, input.email);
    checked = await deps.passwords.check(input.password, user ?? undefined);
  } catch (err) {
    // The password was never judged (MongoDB away, say): that is nobody's failed login.
    await attempt.abandoned().catch(() => undefined);
    throw err;
  }
  if (!user || !checked.ok) throw errors.invalidCredentials();
  await attempt.succeeded();
  if (checked.rehash) await rehashInNfc(deps, user, input.password);
  // bcrypt took a while: a password change that landed meanwhile retired the generation read above, and a token of
  // it would be dead on arrival. MongoDB, not the cache, says which generation is current.
  const generation = user.tokenGeneration ?? 0;
  const current = await findUserById(deps.db, user._id.toHexString());
  if (!current || (current.tokenGeneration ?? 0) !== generation) throw errors.invalidCredentials();
  return issueFor(deps, user, generation);
}

/**
 * An account hashed as typed (made before passwords were normalised) gets a hash of the NFC form at its first login,
 * so from then on one bcrypt check answers whichever form is typed. Best effort: the login stands if the write fails.
 */
async function rehashInNfc(deps: AccountsDeps, user: UserDoc, password: string): Promise<void> {
  try {
    const passwordHash = await deps.passwords.hash(password, "login");
    await upgradePasswordHash(deps.db, { id: user._id, formerHash: user.passwordHash, passwordHash });
  } catch {
    // Tried again at the next login.
  }
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

const ADMINS_ONLY = "Only an administrator can create accounts here.";
export const registrationClosed = () =>
  new AppError(403, "registration_closed", "Registration is closed; ask an administrator for an account.");
export const adminsOnly = () => new AppError(403, "forbidden", ADMINS_ONLY);
export const wrongPassword = () => new AppError(403, "wrong_password", "The current password is wrong.");
export const passwordChanged = () =>
  errors.conflict("password_changed", "The password was changed meanwhile; log in again.");

/** Needs the current password; retires every token issued before and returns a fresh one. */
export async function changePassword(deps: AccountsDeps, claims: Claims, input: PasswordChange): Promise<BearerToken> {
  const user = await findUserById(deps.db, claims.sub);
  if (!user) throw errors.unauthorized();
  if (!(await deps.passwords.check(input.currentPassword, user)).ok) {
    throw wrongPassword();
  }
  const passwordHash = await deps.passwords.hash(input.newPassword, "login");
  const generation = await storePassword(deps.db, {
    id: claims.sub,
    expectedGeneration: user.tokenGeneration ?? 0,
    passwordHash,
  });
  if (generation === null) throw passwordChanged();
  await deps.revocation.raiseGeneration(claims.sub, generation);
  return issueFor(deps, user, generation);
}
