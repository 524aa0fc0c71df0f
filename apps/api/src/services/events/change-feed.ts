// The api's one subscription to the queue's job changes, fanned out in process: long-polls listen for one job, event
// streams for one job or one user. Thousands of listeners cost a map entry each, no Redis connection and no CPU
// until their job changes. Subscribes on first use, so an app that never waits opens no connection.
import type { Logger } from "@lineup/log";
import { decodeAnnouncement, onRedisChanged, type PublishedChange } from "@lineup/queue";
import type Redis from "ioredis";

type Listener = (change: PublishedChange) => void;

export type ChangeFeed = {
  /** Calls `fn` with each change of the job from now on; returns the function that stops it. */
  onJob(jobId: string, fn: Listener): () => void;
  /** The same for every job of a user. */
  onOwner(ownerId: string, fn: Listener): () => void;
  /** Calls `fn` when the subscription came back after a break: changes announced meanwhile were missed. */
  onGap(fn: () => void): () => void;
  close(): Promise<void>;
};

export function createChangeFeed(deps: { subscriber: Redis; channel: string; log: Logger }): ChangeFeed {
  const byJob = new Map<string, Set<Listener>>();
  const byOwner = new Map<string, Set<Listener>>();
  const gaps = new Set<() => void>();
  let subscribed: Promise<unknown> | null = null;
  let connectedOnce = false;

  let listening = false;
  function listen(): void {
    if (listening) return;
    listening = true;
    const { subscriber } = deps;
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== deps.channel) return;
      for (const change of decodeAnnouncement(message)) {
        for (const fn of byJob.get(change.job) ?? []) fn(change);
        for (const fn of byOwner.get(change.owner) ?? []) fn(change);
      }
    });
    // After a break, what was announced meanwhile is lost to us. ioredis subscribes again by itself, but says nothing
    // when that is done; listeners must catch up from the history only once it is, or an announcement made between
    // their catch-up and the new subscription would reach nobody. So we subscribe again ourselves (a repeat is
    // harmless) and call the gaps when Redis confirms it.
    onRedisChanged(subscriber, () => {
      if (!connectedOnce) return;
      subscriber.subscribe(deps.channel).then(
        () => {
          deps.log.info("change feed reconnected; listeners catch up");
          for (const fn of gaps) fn();
        },
        // The connection broke again: its next "ready" tries again.
        (err) => deps.log.warn("could not subscribe to job changes again yet", { error: (err as Error).message }),
      );
    });
  }

  function subscribe(): void {
    if (subscribed) return;
    listen();
    subscribed = deps.subscriber.subscribe(deps.channel).then(
      () => {
        connectedOnce = true;
      },
      (err) => {
        // The next listener tries again; until then waits end on their time, streams on their heartbeats.
        subscribed = null;
        deps.log.warn("could not subscribe to job changes yet", { error: (err as Error).message });
      },
    );
  }

  function add(map: Map<string, Set<Listener>>, key: string, fn: Listener): () => void {
    subscribe();
    const set = map.get(key) ?? new Set<Listener>();
    map.set(key, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size && map.get(key) === set) map.delete(key);
    };
  }

  return {
    onJob: (jobId, fn) => add(byJob, jobId, fn),
    onOwner: (ownerId, fn) => add(byOwner, ownerId, fn),
    onGap(fn) {
      gaps.add(fn);
      return () => gaps.delete(fn);
    },
    async close() {
      if (subscribed) deps.subscriber.disconnect();
    },
  };
}
