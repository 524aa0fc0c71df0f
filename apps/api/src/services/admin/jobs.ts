// Admin work on jobs across all users: list and inspect them (with every attempt), run failed ones again (one, or
// every failed job a filter matches: a redrive), and cancel a job wherever it is. Every change is audited.
import {
  cancelJob,
  type Db,
  emailsOf,
  failedJobIds,
  findJob,
  type JobFilter,
  listJobs,
  requeueFailedJob,
  restoreFailedJob,
} from "@lineup/db";
import { errors } from "@lineup/errors";
import { isFinal, isJobId, type JobDoc, lineOfJob, toJobView } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { Queue } from "@lineup/queue";
import type { z } from "zod";
import type { AdminJobFilterSchema, AdminJobSchema, RedriveSchema } from "../../schemas/admin";
import type { Announce } from "../events";
import { envelopeOf, inQuickRun, recordSeq, type SubmitWrites, wakeIfWaiting } from "../jobs";
import { decodeCursor, encodeCursor } from "../shared";
import type { Actor, Audit } from "./audit";

export const notRetryable = () => errors.conflict("not_retryable", "Only failed jobs can be retried.");
export const retryUnavailable = (cause?: unknown) =>
  errors.unavailable("The queue is unavailable; the job stays failed. Try again shortly.", undefined, cause);
export const alreadyEnded = (status?: string) =>
  errors.conflict("not_cancelable", status ? `The job is ${status} already.` : "The job ended meanwhile.");
export const noSuchJob = () => errors.notFound("No such job.");

export type AdminJobsDeps = {
  db: Db;
  /** Records a requeued job's seq (the submissions' group-committed writer). */
  writes: Pick<SubmitWrites, "recordSeq">;
  queue: Queue;
  log: Logger;
  now: () => Date;
  retentionMs: number;
  audit: Audit;
  /** Tells waits and streams of a change the api recorded. */
  announce: Announce;
};

type AdminJobView = z.output<typeof AdminJobSchema>;
type Filter = z.output<typeof AdminJobFilterSchema>;

export async function listAllJobs(
  deps: AdminJobsDeps,
  query: Filter & { limit: number; cursor?: string },
): Promise<{ items: AdminJobView[]; nextCursor: string | null }> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const page = await listJobs(deps.db, { ...filterOf(query), queue: deps.queue.name, limit: query.limit, after });
  const emails = await emailsOf(
    deps.db,
    page.items.map((d) => d.ownerId),
  );
  return {
    items: page.items.map((d) => toAdminView(d, emails.get(d.ownerId) ?? null)),
    nextCursor: page.next ? encodeCursor(page.next) : null,
  };
}

export async function jobDetail(deps: AdminJobsDeps, id: string): Promise<AdminJobView> {
  const doc = await ownJob(deps, id);
  const emails = await emailsOf(deps.db, [doc.ownerId]);
  return toAdminView(doc, emails.get(doc.ownerId) ?? null, true);
}

/** A failed job runs again, at the tail of its line. */
export async function retryJob(deps: AdminJobsDeps, actor: Actor, id: string): Promise<AdminJobView> {
  await ownJob(deps, id);
  const again = await runAgain(deps, id);
  if (!again) throw notRetryable();
  await deps.audit.record(actor, "job.retry", { jobId: id }, 1);
  return toAdminView(again, null, true);
}

/** Every failed job the filter matches runs again, oldest first, each at the tail of its line. */
export async function redrive(
  deps: AdminJobsDeps,
  actor: Actor,
  body: z.output<typeof RedriveSchema>,
): Promise<{ count: number; ids: string[] }> {
  const { limit, ...filter } = body;
  const ids: string[] = [];
  for (const id of await failedJobIds(deps.db, { ...filterOf(filter), queue: deps.queue.name }, limit)) {
    if (await runAgain(deps, id)) ids.push(id);
  }
  await deps.audit.record(actor, "jobs.redrive", { filter: { ...filter, limit } }, ids.length);
  return { count: ids.length, ids };
}

/** Cancels a queued job, one waiting out a retry (its line moves on now), or a running one (its handler stops). */
export async function cancelAnyJob(deps: AdminJobsDeps, actor: Actor, id: string): Promise<AdminJobView> {
  const current = await ownJob(deps, id);
  if (isFinal(current.status)) {
    throw alreadyEnded(current.status);
  }
  const now = deps.now();
  const canceled = await cancelJob(deps.db, {
    id,
    now,
    expireAt: new Date(now.getTime() + deps.retentionMs),
    running: true,
    // A running job may be canceled too; one not taken yet must not begin a quick run past the cancel.
    mayCancel: async (job) => {
      await inQuickRun(deps, job);
      return true;
    },
  });
  if (!canceled) throw alreadyEnded();
  deps.announce(canceled);
  await wakeIfWaiting(deps, id);
  await deps.audit.record(actor, "job.cancel", { jobId: id, was: current.status }, 1);
  return toAdminView(canceled, null, true);
}

/** failed -> queued with a new seq at the tail of its line; null when the job is not failed. */
async function runAgain(deps: AdminJobsDeps, id: string): Promise<JobDoc | null> {
  const swap = await requeueFailedJob(deps.db, id);
  if (!swap) return null;
  const job = swap.after;
  let seq: number;
  try {
    seq = await deps.queue.enqueue(envelopeOf(job));
  } catch (err) {
    // Redis did not take it: it stays failed, as it was.
    await restoreFailedJob(deps.db, swap.before);
    throw retryUnavailable(err);
  }
  await recordSeq(deps, id, seq);
  await deps.queue.forgetDead({ ids: [id] }).catch(() => {});
  deps.announce({ ...job, seq });
  return { ...job, seq };
}

async function ownJob(deps: AdminJobsDeps, id: string): Promise<JobDoc> {
  const doc = isJobId(id) ? await findJob(deps.db, id) : null;
  if (!doc || doc.queue !== deps.queue.name) throw noSuchJob();
  return doc;
}

function filterOf(f: Omit<Partial<Filter>, "status"> & { status?: Filter["status"] }): JobFilter {
  return {
    status: f.status,
    type: f.type,
    ownerId: f.owner,
    group: f.group,
    from: f.from ? new Date(f.from) : undefined,
    to: f.to ? new Date(f.to) : undefined,
  };
}

function toAdminView(doc: JobDoc, ownerEmail: string | null, withHistory = false): AdminJobView {
  const view: AdminJobView = {
    ...toJobView(doc),
    queue: doc.queue,
    line: lineOfJob(doc),
    ownerId: doc.ownerId,
    ownerEmail,
    ...(doc.workerId ? { workerId: doc.workerId } : {}),
  };
  if (!withHistory) return view;
  const history = doc.history ?? [];
  view.history = history.map((a, i) => ({
    attempt: i + 1,
    workerId: a.workerId,
    startedAt: a.startedAt.toISOString(),
    ...(a.endedAt ? { endedAt: a.endedAt.toISOString() } : {}),
    outcome: a.outcome ?? (i === history.length - 1 && doc.status === "running" ? "running" : "interrupted"),
    ...(a.error ? { error: a.error } : {}),
  }));
  return view;
}
