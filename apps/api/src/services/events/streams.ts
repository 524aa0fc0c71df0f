// Server-Sent Events of job changes: GET /v1/jobs/{id}/events (one job, ending once it is final) and GET /v1/events
// (every job of the user). Each event is `id: <history id>` and the job view at that change; a reconnect with
// Last-Event-ID replays the user's history after it (bounded: EVENT_HISTORY_LENGTH), then goes on live: each
// announcement of a change wakes the stream to send the history after the last id sent. Idle streams get a comment
// every SSE_HEARTBEAT_MS, and catch up with the history then too. Open streams are bounded per user and per process, and all end at shutdown.
import { type Db, findJobs, findOwnJob } from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import { changeOf, isFinal, isJobId, type JobDoc, viewAt } from "@lineup/jobs";
import type { Logger } from "@lineup/log";
import type { EventMetrics } from "@lineup/metrics";
import { compareEventIds, type EventLog, isEventId, type PublishedChange, type UserSlots } from "@lineup/queue";
import type { JobReader } from "../shared";
import type { ChangeFeed } from "./change-feed";

export type StreamsDeps = {
  db: Db;
  feed: ChangeFeed;
  events: EventLog;
  read: JobReader;
  log: Logger;
  metrics: EventMetrics;
  heartbeatMs: number;
  perUser: number;
  /** The user's streams across every api process (SSE_STREAMS_PER_USER of them at most). */
  slots: UserSlots;
  max: number;
  /** Aborted when the api shuts down: every stream ends (clients resume elsewhere with Last-Event-ID). */
  closing: AbortSignal;
};

export const tooManyStreams = (limit: number) =>
  new AppError(429, "too_many_streams", `You have ${limit} event streams open already; close one.`, {
    headers: { "retry-after": "5" },
  });
export const streamsFull = () =>
  new AppError(503, "unavailable", "This server holds as many event streams as it may; try again shortly.", {
    headers: { "retry-after": "5" },
  });

const HISTORY_PAGE = 100;
// The id before any change: a history that is empty now is read from its start on a resume.
const EMPTY_HISTORY = "0-0";
// The client's reconnection delay (the `retry:` field): quick, since a drop loses nothing.
const RETRY_MS = 1_000;

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  // Proxies that buffer (nginx) would hold events back.
  "x-accel-buffering": "no",
};

type Scope = { ownerId: string; jobId?: string };

export function createEventStreams(deps: StreamsDeps) {
  let open = 0;

  /**
   * A place for one more stream: this process holds at most SSE_STREAMS_MAX, a user at most SSE_STREAMS_PER_USER
   * across every process (a slot in Redis, renewed on each heartbeat). Returns how to renew and release it.
   */
  async function admit(ownerId: string): Promise<{ renew: () => void; release: () => void }> {
    if (open >= deps.max) throw streamsFull();
    open += 1;
    const token = await deps.slots.take(ownerId).catch((err) => {
      open -= 1;
      throw errors.unavailable("A backing service is unavailable; try again shortly.", undefined, err);
    });
    if (!token) {
      open -= 1;
      throw tooManyStreams(deps.perUser);
    }
    deps.metrics.streams.inc();
    let released = false;
    return {
      renew: () => void deps.slots.renew(ownerId, token).catch(() => {}),
      release: () => {
        if (released) return;
        released = true;
        open -= 1;
        deps.metrics.streams.dec();
        void deps.slots.release(ownerId, token).catch(() => {});
      },
    };
  }

  /** Opens a stream; throws (404, 429, 503) before anything is sent when it cannot be. */
  async function open_(scope: Scope, lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    if (scope.jobId !== undefined && !isJobId(scope.jobId)) throw errors.notFound("No such job.");
    const { renew, release } = await admit(scope.ownerId);
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let ended = false;
    let lastId: string | undefined;
    // The job stream's last state sent (status and attempts): a change the first snapshot already showed is skipped.
    let lastState: string | undefined;
    // Announcements only wake the stream up: what it sends is read from the history, after the last id it sent. So
    // events leave in history order, and an announcement that never arrived (announcements are best effort: one made
    // while Redis reconnects or a cluster's nodes change can reach no api) is made up for by the next one, or by the
    // next heartbeat. A wake-up while a catch-up waits its turn adds nothing.
    let live = false;
    let waking = false;
    let chain: Promise<void> = Promise.resolve();
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const work = (task: () => Promise<void>) => {
      chain = chain
        .then(() => (ended ? undefined : task()))
        .catch((err) => {
          deps.log.warn("event stream failed; the client resumes with Last-Event-ID", {
            error: (err as Error).message,
          });
          end();
        });
    };
    const catchUp = () => {
      if (!live || waking) return;
      waking = true;
      work(() => {
        waking = false;
        return replay(lastId ?? "0-0");
      });
    };
    const offChanges =
      scope.jobId === undefined ? deps.feed.onOwner(scope.ownerId, catchUp) : deps.feed.onJob(scope.jobId, catchUp);
    const offGap = deps.feed.onGap(catchUp);
    const onClosing = () => end();

    function write(text: string): void {
      if (ended) return;
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        end();
      }
    }

    function end(): void {
      if (ended) return;
      ended = true;
      cleanup();
      try {
        controller.close();
      } catch {
        // already closed by the client
      }
    }

    function cleanup(): void {
      offChanges();
      offGap();
      if (heartbeat) clearInterval(heartbeat);
      signal.removeEventListener("abort", end);
      deps.closing.removeEventListener("abort", onClosing);
      release();
    }

    /** Sends the changes not sent yet, each as the job was at that change, reading their jobs once. */
    async function send(changes: PublishedChange[]): Promise<void> {
      const fresh = changes.filter((c) => lastId === undefined || compareEventIds(c.id, lastId) > 0);
      if (!fresh.length) return;
      const docs = await docsOf([...new Set(fresh.map((c) => c.job))]);
      for (const change of fresh) {
        if (ended) return;
        lastId = change.id;
        const doc = docs.get(change.job);
        // Gone (past its retention), or another user's: nothing to show.
        if (!doc || doc.ownerId !== scope.ownerId) continue;
        if (change.haltsLine) {
          // Not a change of the job (its failure was one): its group stopped. Owner streams say so.
          if (scope.jobId === undefined) emitGroupHalted(change.id, doc);
          continue;
        }
        if (scope.jobId !== undefined && alreadyShown(change)) continue;
        emit(change.id, viewAt(doc, change));
        if (scope.jobId !== undefined && isFinal(change.status)) return end();
      }
    }

    /**
     * A job stream skips a change its last event already showed: the same state, or the start of an attempt it has
     * shown running (the snapshot read the record after a report that was announced before the start was).
     */
    function alreadyShown(change: PublishedChange): boolean {
      if (stateOf(change) === lastState) return true;
      // A start's state (no report yet) begins every later state of its attempt.
      return change.status === "running" && !change.progress && !!lastState?.startsWith(stateOf(change));
    }

    function emit(id: string | undefined, view: object): void {
      if (scope.jobId !== undefined) lastState = stateOf(view as StateOf);
      write(`${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(view)}\n\n`);
    }

    function emitGroupHalted(id: string, doc: JobDoc): void {
      const halted = { group: doc.group, state: "halted", haltedJobId: doc._id, error: doc.error };
      write(`event: group.halted\nid: ${id}\ndata: ${JSON.stringify(halted)}\n\n`);
    }

    async function docsOf(ids: string[]): Promise<Map<string, JobDoc>> {
      const docs = ids.length === 1 ? [await deps.read(ids[0] as string)] : await findJobs(deps.db, ids);
      return new Map(docs.flatMap((d) => (d ? [[d._id, d] as const] : [])));
    }

    /** The user's history after `afterId`, page by page (only this job's changes, for a job stream). */
    async function replay(afterId: string): Promise<void> {
      for (let after = afterId; !ended; ) {
        const page = await deps.events.after(scope.ownerId, after, HISTORY_PAGE);
        await send(scope.jobId === undefined ? page : page.filter((c) => c.job === scope.jobId));
        // Filtered out or not, the page was read: the cursor moves past it.
        const last = page.at(-1)?.id;
        if (last && (lastId === undefined || compareEventIds(last, lastId) > 0)) lastId = last;
        if (page.length < HISTORY_PAGE || !last) return;
        after = last;
      }
    }

    /** What is sent before going live: the history since Last-Event-ID, or a job stream's current state. */
    async function start(doc: JobDoc | null, head: string | undefined): Promise<void> {
      if (lastEventId !== undefined) {
        const bounds = await deps.events.bounds(scope.ownerId);
        // Older than what the history kept after trimming: changes may be lost. Said so, then what there is.
        if (bounds?.trimmed && compareEventIds(lastEventId, bounds.first) < 0) {
          write(`event: truncated\ndata: ${JSON.stringify({ lastEventId, oldestEventId: bounds.first })}\n\n`);
        }
        await replay(lastEventId);
        // The history lost the job's end (trimmed, or a change never announced): its record still has it.
        if (doc && isFinal(doc.status) && !ended) {
          emit(lastId, viewAt(doc, changeOf(doc)));
          end();
        }
        return;
      }
      lastId = head;
      if (!doc) {
        // Where the stream starts, as its first id: a client that drops before the first change resumes from here
        // with Last-Event-ID and misses nothing (an id with no data sets it without an event). With no history yet,
        // from its beginning.
        write(`id: ${head ?? EMPTY_HISTORY}\n\n`);
        return;
      }
      emit(head ?? EMPTY_HISTORY, viewAt(doc, changeOf(doc)));
      if (isFinal(doc.status)) end();
    }

    try {
      // Listening started above; now the reads, so no change falls between them.
      const head = lastEventId === undefined ? (await deps.events.bounds(scope.ownerId))?.last : undefined;
      const doc = scope.jobId === undefined ? null : await findOwnJob(deps.db, scope.jobId, scope.ownerId);
      if (scope.jobId !== undefined && !doc) throw errors.notFound("No such job.");
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
          write(`retry: ${RETRY_MS}\n\n`);
          heartbeat = setInterval(() => {
            write(": heartbeat\n\n");
            renew();
            catchUp();
          }, deps.heartbeatMs);
          work(async () => {
            await start(doc, head);
            live = true;
            // What changed while the stream was set up.
            catchUp();
          });
        },
        cancel() {
          ended = true;
          cleanup();
        },
      });
      signal.addEventListener("abort", end);
      deps.closing.addEventListener("abort", onClosing);
      if (signal.aborted || deps.closing.aborted) end();
      return new Response(body, { headers: SSE_HEADERS });
    } catch (err) {
      ended = true;
      cleanup();
      throw err;
    }
  }

  return {
    /** One job's changes, ending after its final state. */
    job: (ownerId: string, jobId: string, lastEventId: string | undefined, signal: AbortSignal) =>
      open_({ ownerId, jobId }, validId(lastEventId), signal),
    /** Every change of the user's jobs. */
    owner: (ownerId: string, lastEventId: string | undefined, signal: AbortSignal) =>
      open_({ ownerId }, validId(lastEventId), signal),
  };
}

export type EventStreams = ReturnType<typeof createEventStreams>;

/** A Last-Event-ID that is not one of ours (a client's own, or garbage) is ignored, as if absent. */
function validId(id: string | undefined): string | undefined {
  return isEventId(id) ? id : undefined;
}

type StateOf = { status: string; attempts: number; progress?: { at: string | number } };

/** What a job stream has shown of a job: its status, its attempt, and its latest progress report. */
function stateOf(s: StateOf): string {
  const at = s.progress?.at;
  return `${s.status}:${s.attempts}:${typeof at === "number" ? new Date(at).toISOString() : (at ?? "")}`;
}
