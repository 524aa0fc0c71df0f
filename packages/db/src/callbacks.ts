// Webhook deliveries, kept on their jobs (the `callback` field of the jobs collection): claim the next one that is due
// with a lease, past the owners and receivers the caller has its fill of, and record how the attempt went, fenced on
// the claim so a late writer changes nothing.
import type { JobDoc } from "@lineup/jobs";
import type { Db, Filter, UpdateFilter } from "mongodb";
import { jobsCollection } from "./jobs";

/**
 * Takes the webhook that has been due longest, past those of `skipOwners` and those to `skipTargets` (the owners and
 * receivers the caller has as many deliveries in flight for as it allows): counts an attempt and pushes dueAt past the
 * lease in one atomic write, so no other worker takes it meanwhile, and one that dies with it leaves it due again when
 * the lease ends. Returns the job as claimed (callback.attempts is the claim's number), or null when nothing is due.
 * A webhook stored before callbacks had a target is never skipped by target.
 */
export async function claimDueCallback(
  db: Db,
  params: {
    queue: string;
    now: Date;
    leaseMs: number;
    skipOwners?: readonly string[];
    skipTargets?: readonly string[];
  },
): Promise<JobDoc | null> {
  const filter: Filter<JobDoc> = {
    "callback.dueAt": { $lte: params.now },
    "callback.status": "pending",
    queue: params.queue,
  };
  if (params.skipOwners?.length) filter.ownerId = { $nin: [...params.skipOwners] };
  if (params.skipTargets?.length) filter["callback.target"] = { $nin: [...params.skipTargets] };
  return jobsCollection(db).findOneAndUpdate(
    filter,
    {
      $set: { "callback.dueAt": new Date(params.now.getTime() + params.leaseMs) },
      $inc: { "callback.attempts": 1 },
    },
    { sort: { "callback.dueAt": 1 }, returnDocument: "after" },
  );
}

export type CallbackOutcome =
  | { status: "delivered"; at: Date }
  | { status: "retry"; error: string; dueAt: Date }
  | { status: "failed"; error: string };

/** Records how the claimed attempt went; false when the claim was lost (its lease ended and another took it). */
export async function recordCallback(
  db: Db,
  params: { id: string; attempts: number; outcome: CallbackOutcome },
): Promise<boolean> {
  const { outcome } = params;
  const update: UpdateFilter<JobDoc> =
    outcome.status === "delivered"
      ? {
          $set: { "callback.status": "delivered" as const, "callback.deliveredAt": outcome.at },
          // An earlier attempt's error is no longer how the webhook stands.
          $unset: { "callback.dueAt": "" as const, "callback.lastError": "" as const },
        }
      : outcome.status === "retry"
        ? { $set: { "callback.lastError": outcome.error, "callback.dueAt": outcome.dueAt } }
        : {
            $set: { "callback.status": "failed" as const, "callback.lastError": outcome.error },
            $unset: { "callback.dueAt": "" as const },
          };
  const res = await jobsCollection(db).updateOne(
    { _id: params.id, "callback.status": "pending", "callback.attempts": params.attempts },
    update,
  );
  return res.modifiedCount === 1;
}
