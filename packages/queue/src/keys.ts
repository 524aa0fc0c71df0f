// Every Redis key Lineup uses, in one place. `{<queue>}` is a Redis Cluster hash tag: a queue's keys
// share one slot, so its Lua scripts stay cluster-safe.

export type QueueKeys = ReturnType<typeof queueKeys>;

export function queueKeys(queue: string) {
  const base = `lineup:{${queue}}`;
  return {
    /** Arrival counter: the next job's seq. */
    seq: `${base}:seq`,
    /** Jobs waiting, newest at the left (LPUSH), next to run at the right. */
    pending: `${base}:pending`,
    /** The highest seq a worker has finished (for the out-of-order check across restarts). */
    lastFinished: `${base}:last-finished`,
    /** Jobs that failed for good, newest at the left. */
    dead: `${base}:dead`,
    /** Which worker may take jobs (one at a time keeps the global order). */
    active: `${base}:active`,
    /** Worker id -> last heartbeat (ms), for finding vanished workers. */
    workers: `${base}:workers`,
    /** Worker id -> Redis client id of its blocking connection, so a takeover can cut it off. */
    workerClients: `${base}:worker-clients`,
    /** A worker's own list of the job it holds, taken atomically from pending. */
    processing: (workerId: string) => `${base}:processing:${workerId}`,
  };
}

/** Keys of the api's token revocation (not tied to a queue). */
export const authKeys = {
  /** Present until the token's expiry once the token was logged out. */
  revoked: (jti: string) => `lineup:auth:revoked:${jti}`,
  /** Cache of the user's token generation (MongoDB holds the truth). */
  generation: (userId: string) => `lineup:auth:gen:${userId}`,
};

/** Keys of the api's rate limits: one fixed-window counter per scope and subject. */
export const rateLimitKeys = {
  window: (scope: string, subject: string) => `lineup:ratelimit:${scope}:${subject}`,
};
