// Roles are an operator's to give: grant or revoke admin by email (the admin command). MongoDB holds the role and moves
// the user's token generation on; the generation cached in Redis is raised right after, so every token issued before
// (which carries the old role) fails its next request, and the next login carries the new role.
import { type Db, type Role, setUserRole } from "@lineup/db";
import type { Revocation } from "../auth";
import type { Audit } from "./audit";

export type RolesDeps = { db: Db; revocation: Revocation; audit: Audit };

/** Who changed a role, for the audit trail: the admin command has no account of its own. */
export const ADMIN_COMMAND_ACTOR = { id: "admin-command", email: "(admin command)" } as const;

export type RoleChange = {
  userId: string;
  email: string;
  role: Role;
  /** False when the user had the role already (MongoDB was left as it was). */
  changed: boolean;
  /** Why Redis could not be told, when it could not: tokens issued before may keep working until the cache expires. */
  cacheError?: Error;
  /** Why the audit trail lacks the change, when it does (the change itself stands). */
  auditError?: Error;
};

/**
 * Sets the role of the account with this email; null when there is none. The MongoDB change stands even if Redis
 * cannot be updated (cacheError says so): running it again raises the cache then, since the generation is read back
 * from MongoDB every time, changed or not.
 */
export async function setRole(deps: RolesDeps, email: string, role: Role): Promise<RoleChange | null> {
  const found = await setUserRole(deps.db, { email, role });
  if (!found) return null;
  const userId = found.user._id.toHexString();
  const change: RoleChange = { userId, email: found.user.email, role, changed: found.changed };
  try {
    await deps.revocation.raiseGeneration(userId, found.user.tokenGeneration ?? 0);
  } catch (err) {
    change.cacheError = asError(err);
  }
  // After Redis: the change is in force by then, and a failed audit write must not keep the old tokens working.
  if (found.changed) {
    const action = role === "admin" ? "admin.grant" : "admin.revoke";
    await deps.audit.record(ADMIN_COMMAND_ACTOR, action, { userId, email: change.email }, 0).catch((err) => {
      change.auditError = asError(err);
    });
  }
  return change;
}

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
