// Every Redis key Lineup uses, in one place. `{<queue>}` is a Redis Cluster hash tag: a queue's keys share one
// slot, so its Lua scripts stay cluster-safe. A queue split into QUEUE_PARTITIONS partitions has one tag per
// partition, `{<queue>:p<n>}`, so the partitions spread over a cluster's shards; a line lives in one partition.

export type QueueKeys = ReturnType<typeof queueKeys>;

export function queueKeys(queue: string, partition = 0, partitions = 1) {
  const base = partitions === 1 ? `lineup:{${queue}}` : `lineup:{${queue}:p${partition}}`;
  return {
    /** Arrival counter of the partition: its n-th job gets seq n * partitions + partition. */
    seq: `${base}:seq`,
    /** One line (a group): its jobs in seq order, newest at the left; the rightmost is the line's head. */
    line: (lineId: string) => `${base}:line:${lineId}`,
    /**
     * The heads of lines waiting for a slot, served round-robin: a line's head enters at the left and is taken
     * from the right. A line has its head in exactly one of ready, delayed or a worker's held list.
     */
    ready: `${base}:ready`,
    /** Heads waiting out a retry backoff, scored by when they are due (ms). */
    delayed: `${base}:delayed`,
    /**
     * Jobs submitted to run later (runAt), as envelopes without seq, scored by when they are due (ms). Not yet in
     * their lines: a job takes its seq and joins the tail of its line when it is due (release.lua).
     */
    scheduled: `${base}:scheduled`,
    /** Lines that are stopped (paused by their owner or an admin, or halted by a failure): their heads do not run. */
    stopped: `${base}:stopped`,
    /** Line id -> its head, taken by a slot while the line was stopped and set apart until the line is resumed. */
    parked: `${base}:parked`,
    /** Schedule id -> when its next tick is due (ms): the due-time index of the queue's schedules (first partition). */
    schedules: `${base}:schedules`,
    /**
     * Job id -> how often the envelope of a job enqueued with what its run needs (envelope.ts, run) was taken while its
     * run had not ended: absent until its first take, which runs it without recording its start (a quick run); 1
     * while that run goes on (an owner's cancel is refused then); more once it was cut short (the next run counts it);
     * 100 and up once its attempt is on record (a retry, a halt, a cancel). The run's end removes it. lua/run-mode.lua.
     */
    quick: `${base}:quick`,
    /** The heads a worker is running, taken atomically from ready (reliable pop). */
    held: (workerId: string) => `${base}:held:${workerId}`,
    /** Worker id -> last heartbeat (ms, Redis's clock), for finding workers that died. */
    workers: `${base}:workers`,
    /** Worker id -> the token of the process using that id, so two live processes never share one. */
    instances: `${base}:instances`,
    /** Jobs that failed for good: their ids scored by when (ms), trimmed with JOB_RETENTION. */
    dead: `${base}:dead`,
    /** Present while the queue is paused: workers finish what they hold and take nothing new. */
    paused: `${base}:paused`,
    /** Held by the worker running the periodic reconcile, so one worker at a time does it. */
    reconciling: `${base}:reconciling`,
    /**
     * One minute's counts (a hash: retried, and an ending's outcome with the bucket n of WAIT_BUCKETS_MS its wait fell
     * in, as succeeded:w<n> or failed:w<n>), written by the scripts that end and defer jobs; each expires after a day
     * and a bit.
     */
    stats: (minute: number) => `${base}:stats:${minute}`,
  };
}

/**
 * Keys of the api's token revocation (not tied to a queue). A user's keys share the hash tag `{<user id>}`, so the one
 * read per authenticated request (both keys at once) stays in one Redis Cluster slot.
 */
export const authKeys = {
  /** Present until the token's expiry once the token was logged out. */
  revoked: (userId: string, jti: string) => `lineup:auth:{${userId}}:revoked:${jti}`,
  /** Cache of the user's token generation (MongoDB holds the truth). */
  generation: (userId: string) => `lineup:auth:{${userId}}:gen`,
};

/**
 * Keys and channel of job state changes. A user's history shares the user's hash tag (as the auth keys do); the
 * channel is not a key, so no slot applies to it.
 */
export const eventKeys = {
  /** The user's recent state changes in the queue (a stream, bounded and expiring): what SSE resumes from. */
  history: (queue: string, userId: string) => `lineup:events:{${userId}}:${queue}`,
  /** Pub/sub channel on which every state change of the queue is announced; each api holds one subscription. */
  channel: (queue: string) => `lineup:{${queue}}:events`,
};

/** Keys of what a user holds open across api processes (user-slots.ts); a user's keys share the user's hash tag. */
export const slotKeys = {
  /** The user's long-polls or event streams, each a token scored by when its lease ends (ms). */
  held: (queue: string, kind: "waits" | "streams", userId: string) => `lineup:slots:{${userId}}:${queue}:${kind}`,
};

/**
 * Keys of the api's rate limits: rate-limiter-flexible appends `:<subject>` to the scope's prefix. Per queue, so two
 * deployments sharing a Redis do not share their limits.
 */
export const rateLimitKeys = {
  prefix: (queue: string, scope: string) => `lineup:ratelimit:${queue}:${scope}`,
};

/** The partition a line lives in: a stable hash (FNV-1a) of its id, so a line's jobs always meet in one place. */
export function partitionOf(line: string, partitions: number): number {
  if (partitions === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) {
    hash ^= line.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
