// Users repository: every read and write of the users collection, as fn(db, params).
import { type Db, ObjectId } from "mongodb";

export type Role = "user" | "admin";

export type UserDoc = {
  _id: ObjectId;
  /** Trimmed and lower-cased; unique. */
  email: string;
  passwordHash: string;
  /** "NFC": the hash is of the password in Unicode NFC. Absent: of the password as typed (accounts made before). */
  passwordForm?: "NFC";
  role: Role;
  createdAt: Date;
  /** Moves on at each password or role change; tokens carry it and older ones stop working. Absent means 0. */
  tokenGeneration?: number;
  /** The key that signs the user's webhooks; made on first use. */
  webhook?: WebhookKeys;
};

export type WebhookKeys = {
  secret: string;
  createdAt: Date;
  /** The secret before the last rotation: deliveries are signed with both until previousUntil. */
  previous?: string;
  previousUntil?: Date;
};

export const usersCollection = (db: Db) => db.collection<UserDoc>("users");

export async function ensureUserIndexes(db: Db): Promise<void> {
  await usersCollection(db).createIndex({ email: 1 }, { unique: true, name: "email_unique" });
}

/** Inserts a user; a taken email surfaces as a duplicate-key error (see isDuplicateKey). */
export async function insertUser(
  db: Db,
  params: { email: string; passwordHash: string; role: Role; now: Date },
): Promise<UserDoc> {
  const doc: UserDoc = {
    _id: new ObjectId(),
    email: params.email,
    passwordHash: params.passwordHash,
    passwordForm: "NFC",
    role: params.role,
    createdAt: params.now,
  };
  await usersCollection(db).insertOne(doc);
  return doc;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserDoc | null> {
  return usersCollection(db).findOne({ email });
}

/** The user id as an ObjectId, or null when the text is not one (it then matches no user). */
function toObjectId(id: string): ObjectId | null {
  return ObjectId.isValid(id) && id.length === 24 ? new ObjectId(id) : null;
}

export async function findUserById(db: Db, id: string): Promise<UserDoc | null> {
  const _id = toObjectId(id);
  return _id ? usersCollection(db).findOne({ _id }) : null;
}

/** Sets a new password hash and moves the token generation on, if nobody changed it meanwhile.
 * Returns the new generation, or null when the user is gone or changed concurrently. */
export async function changePassword(
  db: Db,
  params: { id: string; expectedGeneration: number; passwordHash: string },
): Promise<number | null> {
  const _id = toObjectId(params.id);
  if (!_id) return null;
  const generation = params.expectedGeneration === 0 ? { $in: [0, null] } : params.expectedGeneration;
  const res = await usersCollection(db).updateOne(
    { _id, tokenGeneration: generation as number },
    {
      $set: {
        passwordHash: params.passwordHash,
        passwordForm: "NFC",
        tokenGeneration: params.expectedGeneration + 1,
      },
    },
  );
  return res.modifiedCount === 1 ? params.expectedGeneration + 1 : null;
}

/**
 * Replaces a hash of the password as typed with one of its NFC form (the same password, so no token is retired), if
 * the hash is still `formerHash`: a password change meanwhile wins.
 */
export async function upgradePasswordHash(
  db: Db,
  params: { id: ObjectId; formerHash: string; passwordHash: string },
): Promise<void> {
  await usersCollection(db).updateOne(
    { _id: params.id, passwordHash: params.formerHash },
    { $set: { passwordHash: params.passwordHash, passwordForm: "NFC" } },
  );
}

/**
 * Gives the user `role` and moves the token generation on, as a password change does: tokens carry the role they were
 * issued with, so every token issued before stops working and the next login carries the new role. Returns the user as
 * it is now and whether this call changed it (false when the user had the role already), or null for an unknown email.
 */
export async function setUserRole(
  db: Db,
  params: { email: string; role: Role },
): Promise<{ user: UserDoc; changed: boolean } | null> {
  const users = usersCollection(db);
  // One conditional update: two operators granting at once move the generation on once, and a password change racing
  // it (which expects the generation it read) fails rather than bring a retired generation back.
  const updated = await users.findOneAndUpdate(
    { email: params.email, role: { $ne: params.role } },
    { $set: { role: params.role }, $inc: { tokenGeneration: 1 } },
    { returnDocument: "after" },
  );
  if (updated) return { user: updated, changed: true };
  const user = await findUserByEmail(db, params.email);
  return user ? { user, changed: false } : null;
}

/** Every user with `role`, oldest first. No index: it is an operator's occasional question, not a request's. */
export async function listUsersWithRole(db: Db, role: Role): Promise<UserDoc[]> {
  return usersCollection(db).find({ role }).sort({ createdAt: 1, _id: 1 }).toArray();
}

/** user id -> email for the given ids (unknown ids are left out). */
export async function emailsOf(db: Db, ids: string[]): Promise<Map<string, string>> {
  const valid = [...new Set(ids)].filter((id) => ObjectId.isValid(id) && id.length === 24);
  if (!valid.length) return new Map();
  const users = await usersCollection(db)
    .find({ _id: { $in: valid.map((id) => new ObjectId(id)) } }, { projection: { email: 1 } })
    .toArray();
  return new Map(users.map((u) => [u._id.toHexString(), u.email]));
}

/** The user's webhook keys, made with `make` if the user has none yet (two callers at once get the same). */
export async function ensureWebhookKeys(
  db: Db,
  params: { id: string; make: () => string; now: Date },
): Promise<WebhookKeys | null> {
  const _id = toObjectId(params.id);
  if (!_id) return null;
  const users = usersCollection(db);
  const found = await users.findOne({ _id }, { projection: { webhook: 1 } });
  if (!found) return null;
  if (found.webhook) return found.webhook;
  const webhook: WebhookKeys = { secret: params.make(), createdAt: params.now };
  await users.updateOne({ _id, webhook: { $exists: false } }, { $set: { webhook } });
  return (await users.findOne({ _id }, { projection: { webhook: 1 } }))?.webhook ?? null;
}

/**
 * A new signing secret; the current one keeps signing beside it until `previousUntil`, so receivers can switch over.
 * Returns the keys as they are now, or null for an unknown user.
 */
export async function rotateWebhookKeys(
  db: Db,
  params: { id: string; secret: string; now: Date; previousUntil: Date },
): Promise<WebhookKeys | null> {
  const _id = toObjectId(params.id);
  if (!_id) return null;
  const current = (await usersCollection(db).findOne({ _id }, { projection: { webhook: 1 } }))?.webhook;
  const webhook: WebhookKeys = {
    secret: params.secret,
    createdAt: params.now,
    ...(current ? { previous: current.secret, previousUntil: params.previousUntil } : {}),
  };
  const res = await usersCollection(db).updateOne(
    current ? { _id, "webhook.secret": current.secret } : { _id, webhook: { $exists: false } },
    { $set: { webhook } },
  );
  if (res.matchedCount === 1) return webhook;
  return (await usersCollection(db).findOne({ _id }, { projection: { webhook: 1 } }))?.webhook ?? null;
}
