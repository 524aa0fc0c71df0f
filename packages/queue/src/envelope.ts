// The envelope: the small JSON string that stands for a job in Redis. The job itself lives in MongoDB.
// It is kept byte-for-byte as read, because LREM removes by exact value.
import { isJobId, isLineId, type JobDoc, lineOfJob } from "@lineup/jobs";

export type Envelope = {
  seq: number;
  id: string;
  /** The job's line (its group); the line's key is derived from it. */
  line: string;
  type: string;
  /** When the api enqueued it (ms since epoch), for wait-time metrics. */
  enqueuedAt: number;
  /** The submitting request's id, so worker log lines for the job carry it. */
  requestId?: string;
};

/** The envelope as the api hands it to enqueue: everything but seq, which Redis assigns. */
export function encodeUnsequenced(job: Omit<Envelope, "seq">): string {
  return JSON.stringify({
    id: job.id,
    line: job.line,
    type: job.type,
    enqueuedAt: job.enqueuedAt,
    requestId: job.requestId,
  });
}

/** The envelope as enqueue.lua writes it (for restoring a lost job at its original seq). */
export function encodeSequenced(job: Envelope): string {
  return `{"seq":${job.seq},${encodeUnsequenced(job).slice(1)}`;
}

/** Parses a raw envelope; null when it is malformed (such a job is dead-lettered, never retried). */
export function decodeEnvelope(raw: string): Envelope | null {
  const e = parseFields(raw);
  if (!e || !Number.isSafeInteger(e.fields.seq) || (e.fields.seq as number) < 1) return null;
  return { seq: e.fields.seq as number, ...e.job };
}

/** Parses an envelope as a scheduled job's index holds it (no seq yet); null when it is malformed. */
export function decodeUnsequenced(raw: string): Omit<Envelope, "seq"> | null {
  return parseFields(raw)?.job ?? null;
}

function parseFields(raw: string): { fields: Record<string, unknown>; job: Omit<Envelope, "seq"> } | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const e = value as Record<string, unknown>;
  if (!isJobId(e.id)) return null;
  if (typeof e.line !== "string" || !isLineId(e.line)) return null;
  if (typeof e.type !== "string" || typeof e.enqueuedAt !== "number") return null;
  if (e.requestId !== undefined && typeof e.requestId !== "string") return null;
  const job = {
    id: e.id,
    line: e.line,
    type: e.type,
    enqueuedAt: e.enqueuedAt,
    requestId: e.requestId as string | undefined,
  };
  return { fields: e, job };
}

/**
 * A scheduled job's envelope, as its partition's due-time index holds it: made from the record alone (due time as its
 * enqueuedAt), so the api, the worker and the reconciler all make the same one.
 */
export function scheduledEnvelopeOf(
  doc: Pick<JobDoc, "_id" | "line" | "type" | "runAt" | "requestId">,
): Omit<Envelope, "seq"> {
  return {
    id: doc._id,
    line: lineOfJob(doc),
    type: doc.type,
    enqueuedAt: doc.runAt?.getTime() ?? 0,
    requestId: doc.requestId,
  };
}
