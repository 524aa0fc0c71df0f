// A new job's record as MongoDB first stores it: one place for the api's submissions and the worker's schedule ticks.
// Redis has not taken it yet, so it has no seq; a job due later is scheduled until then.
import { pendingCallback } from "./callback";
import { type DefaultGroup, lineOf } from "./line";
import { DEFAULT_MAX_ATTEMPTS, type JobDoc, type OnFailure } from "./record";

export type NewJobSpec = {
  id: string;
  queue: string;
  ownerId: string;
  type: string;
  payloadJson: string;
  group?: string;
  maxAttempts?: number;
  callbackUrl?: string;
  onFailure?: OnFailure;
  /** The queue's settings for what the job does not say (DEFAULT_GROUP, DEFAULT_ON_FAILURE). */
  defaultGroup: DefaultGroup;
  defaultOnFailure: OnFailure;
  createdAt: Date;
  /** A job due later: when. */
  runAt?: Date;
  idempotencyKey?: string;
  requestHash?: string;
  requestId?: string;
  /** A schedule's tick: the schedule and the tick's time. */
  scheduleId?: string;
  scheduledFor?: Date;
};

export function newJobRecord(spec: NewJobSpec): JobDoc {
  // Only a group can halt: the queue's default line may be shared with every other user.
  const onFailure = spec.group === undefined ? "continue" : (spec.onFailure ?? spec.defaultOnFailure);
  return {
    _id: spec.id,
    queue: spec.queue,
    ownerId: spec.ownerId,
    ...(spec.group !== undefined ? { group: spec.group } : {}),
    line: lineOf(spec.ownerId, spec.group, spec.defaultGroup),
    type: spec.type,
    payloadJson: spec.payloadJson,
    status: spec.runAt ? "scheduled" : "queued",
    ...(spec.runAt ? { runAt: spec.runAt } : {}),
    // Only a halt is written down: a job without it continues, as every job did before halts existed.
    ...(onFailure === "halt" ? { onFailure } : {}),
    attempts: 0,
    maxAttempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    createdAt: spec.createdAt,
    ...(spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey, requestHash: spec.requestHash } : {}),
    ...(spec.requestId ? { requestId: spec.requestId } : {}),
    ...(spec.callbackUrl !== undefined ? { callback: pendingCallback(spec.callbackUrl) } : {}),
    ...(spec.scheduleId !== undefined ? { scheduleId: spec.scheduleId, scheduledFor: spec.scheduledFor } : {}),
  };
}
