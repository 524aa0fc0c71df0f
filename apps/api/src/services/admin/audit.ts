// The audit trail of admin actions: who (the admin's id and email), what, when, to what, and how many jobs.
import { type Db, findUserById, listAudit, recordAudit } from "@lineup/db";
import { decodeCursor, encodeCursor } from "../shared";

export type Actor = { id: string; email: string };

export type Audit = ReturnType<typeof createAudit>;

export function createAudit(deps: { db: Db; now: () => Date }) {
  return {
    /** The admin behind a token (their email as it is now). */
    async actor(userId: string): Promise<Actor> {
      return { id: userId, email: (await findUserById(deps.db, userId))?.email ?? "(deleted user)" };
    },

    async record(actor: Actor, action: string, target: Record<string, unknown>, count: number): Promise<void> {
      await recordAudit(deps.db, { at: deps.now(), actorId: actor.id, actorEmail: actor.email, action, target, count });
    },

    async list(params: { limit: number; cursor?: string }) {
      const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
      const page = await listAudit(deps.db, {
        limit: params.limit,
        after: after ? { at: after.createdAt, id: after.id } : undefined,
      });
      return {
        items: page.items.map((a) => ({
          id: a._id,
          at: a.at.toISOString(),
          actorId: a.actorId,
          actorEmail: a.actorEmail,
          action: a.action,
          target: a.target,
          count: a.count,
        })),
        nextCursor: page.next ? encodeCursor({ createdAt: page.next.at, id: page.next.id }) : null,
      };
    },
  };
}
