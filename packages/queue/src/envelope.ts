// The envelope: the small JSON string that stands for a job in Redis. The job itself lives in MongoDB.
// It is kept byte-for-byte as read, because LREM removes by exact value.
// A job submitted to run now may carry what its run needs (`run`): its first take then runs it without reading or
// writing its record before the handler (keys.ts, quick), and its end is the one write.
import { isJobId, isLineId, type JobDoc, lineOfJob } from "@lineup/jobs";

/** What a job's first run needs besides the envelope's own fields: the record as the api inserted it. */
export type RunData = {
  /** The payload as JSON text (payloadJson). */
  payload: string;
  maxAttempts: number;
  owner: string;
  /** When the record was created (ms since epoch). */
  createdAt: number;
  group?: string;
  /** Only "halt" is carried: absent means continue. */
  onFailure?: "halt";
  /** The job has a webhook: its end makes the delivery due. */
  callback?: true;
  /** The trace context of the job's publish span. */
  trace?: { traceparent: string; tracestate?: string };
};

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
  /** What its first run needs, when the api put it in (a job submitted alone, to run now, with a small payload). */
  run?: RunData;
};

/** The envelope as the api hands it to enqueue: everything but seq, which Redis assigns. */
export function encodeUnsequenced(job: Omit<Envelope, "seq">): string {
  // run comes last: the scripts match the first "id" and "line" fields, which must be the envelope's own.
  return JSON.stringify({
    id: job.id,
    line: job.line,
    type: job.type,
    enqueuedAt: job.enqueuedAt,
    requestId: job.requestId,
    run: job.run,
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
  const job: Omit<Envelope, "seq"> = {
    id: e.id,
    line: e.line,
    type: e.type,
    enqueuedAt: e.enqueuedAt,
    requestId: e.requestId as string | undefined,
  };
  // A run that does not parse is left out: the job then runs as any other, from its record.
  if (isRunData(e.run)) job.run = e.run;
  return { fields: e, job };
}

function isRunData(value: unknown): value is RunData {
  const r = value as Partial<RunData> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.payload === "string" &&
    Number.isSafeInteger(r.maxAttempts) &&
    typeof r.owner === "string" &&
    typeof r.createdAt === "number" &&
    (r.group === undefined || typeof r.group === "string") &&
    (r.onFailure === undefined || r.onFailure === "halt") &&
    (r.callback === undefined || r.callback === true) &&
    (r.trace === undefined || (typeof r.trace === "object" && typeof r.trace?.traceparent === "string"))
  );
}

/**
 * The largest payload an envelope carries (characters of JSON text): a larger one leaves the job to run from its record.
 * Redis holds it until the job's end, so it bounds what a backlog adds to Redis's memory (MAX_QUEUED_PER_USER jobs).
 */
export const RUN_PAYLOAD_LIMIT = 2_048;

/** What a job's first run needs, from its record as inserted; undefined when the job must run from its record. */
export function runDataOf(doc: JobDoc): RunData | undefined {
  if (doc.status !== "queued" || doc.attempts !== 0 || doc.batchPending !== undefined) return undefined;
  if (doc.payloadJson.length > RUN_PAYLOAD_LIMIT) return undefined;
  return {
    payload: doc.payloadJson,
    maxAttempts: doc.maxAttempts,
    owner: doc.ownerId,
    createdAt: doc.createdAt.getTime(),
    ...(doc.group !== undefined ? { group: doc.group } : {}),
    ...(doc.onFailure === "halt" ? { onFailure: "halt" as const } : {}),
    ...(doc.callback !== undefined ? { callback: true as const } : {}),
    ...(doc.trace ? { trace: doc.trace } : {}),
  };
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
