// Job state changes in Redis: each is appended to its owner's history (a stream, what Server-Sent Events resume from
// with Last-Event-ID) and then announced on the queue's channel with its history id, in one PUBLISH per batch.
// Announcements are fire-and-forget: an api that was not listening reads the history (streams) or the record (waits).
import { isJobChange, type JobChange } from "@lineup/jobs";
import type Redis from "ioredis";
import { eventKeys } from "./keys";

/** A change with its id in its owner's history: `<ms>-<n>`, increasing. */
export type PublishedChange = JobChange & { id: string };

export type EventLogOptions = {
  /** Changes kept per user (approximately: Redis trims whole nodes). */
  historyLength: number;
  /** A user's history expires this long after its last refresh. */
  ttlSeconds?: number;
};

const DAY_SECONDS = 24 * 3600;
// A history's expiry is pushed back at most this often per process: an EXPIRE per change would cost a command each.
const REFRESH_MS = 3600_000;
const MAX_REMEMBERED = 100_000;

export type EventLog = ReturnType<typeof createEventLog>;

export function createEventLog(redis: Redis, queue: string, options: EventLogOptions) {
  const ttl = options.ttlSeconds ?? DAY_SECONDS;
  const refreshed = new Map<string, number>();
  const channel = eventKeys.channel(queue);
  const historyOf = (owner: string) => eventKeys.history(queue, owner);

  /** EXPIRE for the histories this process has not refreshed within the hour. */
  function refreshes(changes: JobChange[], now: number): string[] {
    if (refreshed.size > MAX_REMEMBERED) refreshed.clear();
    const owners = new Set<string>();
    for (const c of changes) {
      if (now - (refreshed.get(c.owner) ?? 0) < REFRESH_MS) continue;
      refreshed.set(c.owner, now);
      owners.add(c.owner);
    }
    return [...owners];
  }

  return {
    channel,

    /**
     * Appends each change to its owner's history, then announces them all in one message. One command per change
     * plus one; every key is its own (each owner's hash tag), so this works the same on a Redis Cluster.
     */
    async publish(changes: JobChange[]): Promise<PublishedChange[]> {
      if (!changes.length) return [];
      const ids = await Promise.all(
        changes.map((c) =>
          redis.xadd(historyOf(c.owner), "MAXLEN", "~", options.historyLength, "*", "c", JSON.stringify(c)),
        ),
      );
      const published = changes.map((c, i) => ({ ...c, id: ids[i] as string }));
      await Promise.all([
        redis.publish(channel, JSON.stringify(published)),
        ...refreshes(changes, Date.now()).map((owner) => redis.expire(historyOf(owner), ttl)),
      ]);
      return published;
    },

    /** The owner's changes after `afterId` (exclusive), oldest first, at most `count`. */
    async after(owner: string, afterId: string, count: number): Promise<PublishedChange[]> {
      const entries = await redis.xrange(historyOf(owner), `(${afterId}`, "+", "COUNT", count);
      return entries.flatMap(([id, fields]) => decodeEntry(id, fields));
    },

    /**
     * The owner's history: its oldest and newest ids kept, and whether older ones were trimmed (so a reader whose last
     * id is older than `first` may have missed some). null when the history is empty or expired.
     */
    async bounds(owner: string): Promise<{ first: string; last: string; trimmed: boolean } | null> {
      let info: unknown[];
      try {
        info = (await redis.xinfo("STREAM", historyOf(owner))) as unknown[];
      } catch (err) {
        if (/no such key/i.test((err as Error).message)) return null;
        throw err;
      }
      const field = (name: string) => info[info.indexOf(name) + 1];
      const first = (field("first-entry") as [string, string[]] | null)?.[0];
      const last = (field("last-entry") as [string, string[]] | null)?.[0];
      if (!first || !last) return null;
      // entries-added counts every entry ever added (Redis 7); without it, assume the worst.
      const added = field("entries-added");
      const trimmed = typeof added !== "number" || added > Number(field("length"));
      return { first, last, trimmed };
    },
  };
}

function decodeEntry(id: string, fields: string[]): PublishedChange[] {
  const change = parse(fields[fields.indexOf("c") + 1]);
  return isJobChange(change) ? [{ ...change, id }] : [];
}

/** An announcement as the channel carries it; anything malformed is dropped. */
export function decodeAnnouncement(message: string): PublishedChange[] {
  const items = parse(message);
  if (!Array.isArray(items)) return [];
  return items.filter((c): c is PublishedChange => isJobChange(c) && isEventId((c as { id?: unknown }).id));
}

const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

/** A history id as Redis makes them (`<ms>-<n>`); a Last-Event-ID that is not one is ignored. */
export function isEventId(value: unknown): value is string {
  return typeof value === "string" && EVENT_ID.test(value);
}

/** Orders two history ids: negative when a comes first. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0n, an = 0n] = a.split("-").map(BigInt);
  const [bm = 0n, bn = 0n] = b.split("-").map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return an === bn ? 0 : an < bn ? -1 : 1;
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
