// Jobs: submit (MongoDB first, then Redis, 202 only when both hold it), read, list and cancel.
import { cancelJob as cancelJobRecord, findOwnJob, isDuplicateKey, listJobs as listJobRecords } from "@lineup/db";
import { errors } from "@lineup/errors";
import { isJobId, type JobDoc, type JobStatus, type JobView, lineOfJob, toJobView } from "@lineup/jobs";
import { scheduledEnvelopeOf } from "@lineup/queue";
import type { TraceCarrier } from "@lineup/tracing";
import { ObjectId } from "mongodb";
import type { SubmitJob } from "../../schemas/jobs";
import { decodeCursor, encodeCursor } from "../shared";
import type { JobsDeps } from "./deps";
import { startPublish } from "./publish-span";
import {
  admit,
  dueTimes,
  envelopeOf,
  hashBody,
  idForKey,
  newJobDoc,
  payloadsWithinLimits,
  queueUnavailable,
  recordSeq,
  replayed,
  withdraw,
} from "./submission";

export const notCancelable = (status: JobStatus) =>
  errors.conflict("not_cancelable", `The job is ${status}; only scheduled or queued jobs can be canceled.`);

export type Submission = {
  ownerId: string;
  body: SubmitJob;
  idempotencyKey?: string;
  requestId?: string;
  /** The submitting request's trace context (its span, or the caller's traceparent). */
  trace?: TraceCarrier;
};

export async function submitJob(deps: JobsDeps, s: Submission): Promise<{ job: JobView; replay: boolean }> {
  const [payloadJson] = payloadsWithinLimits(deps, [s.body], () => "payload");
  const [runAt] = dueTimes([s.body], deps.now(), () => "runAt");
  const requestHash = s.idempotencyKey ? hashBody(s.body) : undefined;
  const id = s.idempotencyKey ? idForKey(s.ownerId, s.idempotencyKey) : new ObjectId().toHexString();
  await admit(deps, s.ownerId, [s.body], () => "callbackUrl");

  const { ownerId, idempotencyKey, requestId } = s;
  const job = {
    id,
    ownerId,
    job: s.body,
    payloadJson: payloadJson as string,
    idempotencyKey,
    requestHash,
    requestId,
    runAt,
  };
  const record = newJobDoc(deps, job, deps.now());
  const publish = startPublish(deps.tracing, s.trace, { ...record, id });
  const doc = publish.trace ? { ...record, trace: publish.trace } : record;
  try {
    await deps.writes.insert(doc);
  } catch (err) {
    publish.end(err);
    if (s.idempotencyKey && isDuplicateKey(err)) {
      const [first] = await replayed(deps, [id], requestHash);
      return { job: first as JobView, replay: true };
    }
    throw err;
  }

  let seq: number | undefined;
  try {
    // A job due later waits in its partition's due-time index, outside its line, until a worker releases it.
    if (doc.status === "scheduled") await deps.queue.dueTimes.schedule([scheduledEnvelopeOf(doc)]);
    else seq = await deps.queue.enqueue(envelopeOf(doc));
  } catch (err) {
    publish.end(err);
    await withdraw(deps, [id]);
    throw queueUnavailable(err);
  }
  publish.end();
  if (seq !== undefined) await recordSeq(deps, id, seq);
  deps.quota.accepted(s.ownerId);
  deps.metrics.submitted.inc({ type: doc.type });
  return { job: toJobView({ ...doc, ...(seq !== undefined ? { seq } : {}) }), replay: false };
}

export async function listJobs(
  deps: Pick<JobsDeps, "db">,
  params: {
    ownerId: string;
    status?: JobStatus;
    group?: string;
    scheduleId?: string;
    limit: number;
    cursor?: string;
  },
): Promise<{ items: JobView[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  const page = await listJobRecords(deps.db, {
    ownerId: params.ownerId,
    status: params.status,
    group: params.group,
    scheduleId: params.scheduleId,
    limit: params.limit,
    after,
  });
  return { items: page.items.map(toJobView), nextCursor: page.next ? encodeCursor(page.next) : null };
}

export async function cancelJob(
  deps: Pick<JobsDeps, "db" | "now" | "quota" | "queue" | "retentionMs" | "log" | "announce">,
  ownerId: string,
  id: string,
): Promise<JobView> {
  if (!isJobId(id)) throw errors.notFound("No such job.");
  const now = deps.now();
  const canceled = await cancelJobRecord(deps.db, {
    id,
    ownerId,
    now,
    expireAt: new Date(now.getTime() + deps.retentionMs),
    mayCancel: async (current) => {
      if (await inQuickRun(deps, current)) throw notCancelable("running");
      return true;
    },
  });
  if (canceled) {
    deps.announce(canceled);
    deps.quota.released(ownerId);
    if (canceled.runAt && canceled.seq === undefined) await unscheduleCanceled(deps, canceled);
    else await wakeIfWaiting(deps, id);
    return toJobView(canceled);
  }
  const current = await findOwnJob(deps.db, id, ownerId);
  if (!current) throw errors.notFound("No such job.");
  throw notCancelable(current.status);
}

/**
 * Before a cancel: is the job, queued on record, running already in a quick run whose start is not on record yet (only
 * one never started can be)? Redis knows. When it is not, no take from now on runs it without reading its record, so
 * the cancel about to be written holds.
 */
export async function inQuickRun(deps: Pick<JobsDeps, "queue">, current: JobDoc): Promise<boolean> {
  if (current.status !== "queued" || current.attempts !== 0) return false;
  const fenced = await deps.queue.fenceCancel(lineOfJob(current), current._id).catch((err) => {
    throw queueUnavailable(err);
  });
  return !fenced;
}

/**
 * A canceled job that was scheduled leaves the due-time index. Best effort: a worker that finds it due drops it anyway,
 * since its record says canceled.
 */
export async function unscheduleCanceled(deps: Pick<JobsDeps, "queue" | "log">, doc: JobDoc): Promise<void> {
  await deps.queue.dueTimes
    .unschedule([scheduledEnvelopeOf(doc)])
    .catch((err) => deps.log.warn("could not unschedule a canceled job", { jobId: doc._id, error: err }));
}

/**
 * A canceled job that was waiting out a retry backoff holds its line until a worker skips it: wake it now. Best effort:
 * if Redis is away, the job is skipped when its backoff ends anyway.
 */
export async function wakeIfWaiting(deps: Pick<JobsDeps, "queue" | "log">, id: string): Promise<void> {
  await deps.queue.wake(id).catch((err) => deps.log.warn("could not wake a canceled job", { jobId: id, error: err }));
}
