// @lineup/db: the Mongo client, indexes and one repository per collection.
import type { Db } from "mongodb";
import { ensureAuditIndexes } from "./audit";
import { ensureLineStateIndexes } from "./groups";
import { ensureJobIndexes } from "./jobs";
import { ensureScheduleIndexes } from "./schedules";
import { ensureUserIndexes } from "./users";

export type { Db } from "mongodb";
export * from "./audit";
export * from "./callbacks";
export { connectMongo, connectMongoWithRetry, type Mongo, type MongoOptions, pingMongo } from "./client";
export { isDuplicateKey, isMongoUnavailable, RefusedDocument } from "./errors";
export { groupCommit } from "./group-commit";
export * from "./groups";
export * from "./jobs";
export * from "./queues";
export * from "./schedules";
export * from "./users";

/** Creates every index Lineup relies on; safe to run at every start. */
export async function ensureIndexes(db: Db): Promise<void> {
  await Promise.all([
    ensureUserIndexes(db),
    ensureJobIndexes(db),
    ensureAuditIndexes(db),
    ensureLineStateIndexes(db),
    ensureScheduleIndexes(db),
  ]);
}
