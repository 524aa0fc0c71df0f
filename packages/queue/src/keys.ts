// Every Redis key Lineup uses, in one place. `{<queue>}` is a Redis Cluster hash tag: a queue's keys share one
// slot, so its Lua scripts stay cluster-safe.

export type QueueKeys = ReturnType<typeof queueKeys>;

export function queueKeys(queue: string) {
  const base = `lineup:{${queue}}`;
  return {
    /** Arrival counter: the next job's seq. */
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
  };
}

/** Keys of the api's token revocation (not tied to a queue). */
export const authKeys = {
  /** Present until the token's expiry once the token was logged out. */
  revoked: (jti: string) => `lineup:auth:revoked:${jti}`,
  /** Cache of the user's token generation (MongoDB holds the truth). */
  generation: (userId: string) => `lineup:auth:gen:${userId}`,
};

/** Keys of the api's rate limits: rate-limiter-flexible appends `:<subject>` to the scope's prefix. */
export const rateLimitKeys = {
  prefix: (scope: string) => `lineup:ratelimit:${scope}`,
};
