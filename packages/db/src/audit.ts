// Audit repository: every admin action, who did it, when, to what, and how many jobs it touched.
import type { Db, Filter } from "mongodb";
import { ObjectId } from "mongodb";

export type AuditDoc = {
  _id: string;
  at: Date;
  actorId: string;
  actorEmail: string;
  /** e.g. job.retry, jobs.redrive, job.cancel, queue.pause, queue.resume */
  action: string;
  /** What it acted on: a job id, a queue name, or the filter of a redrive. */
  target: Record<string, unknown>;
  /** Jobs the action changed. */
  count: number;
};

export const auditCollection = (db: Db) => db.collection<AuditDoc>("audit");

export async function ensureAuditIndexes(db: Db): Promise<void> {
  await auditCollection(db).createIndex({ at: -1, _id: -1 }, { name: "newest" });
}

export async function recordAudit(db: Db, entry: Omit<AuditDoc, "_id">): Promise<AuditDoc> {
  const doc = { _id: new ObjectId().toHexString(), ...entry };
  await auditCollection(db).insertOne(doc);
  return doc;
}

/** Newest first; `after` is the last entry of the previous page. */
export async function listAudit(
  db: Db,
  params: { limit: number; after?: { at: Date; id: string } },
): Promise<{ items: AuditDoc[]; next?: { at: Date; id: string } }> {
  const filter: Filter<AuditDoc> = params.after
    ? { $or: [{ at: { $lt: params.after.at } }, { at: params.after.at, _id: { $lt: params.after.id } }] }
    : {};
  const docs = await auditCollection(db)
    .find(filter)
    .sort({ at: -1, _id: -1 })
    .limit(params.limit + 1)
    .toArray();
  const items = docs.slice(0, params.limit);
  const last = items.at(-1);
  return { items, next: docs.length > params.limit && last ? { at: last.at, id: last._id } : undefined };
}
