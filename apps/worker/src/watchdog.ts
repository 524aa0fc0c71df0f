// Notices a worker whose slots make no progress. Every step a slot takes is bounded: a take by its blocking timeout
// and the connection's socket timeout, a job's run by JOB_TIMEOUT_MS, telling Redis how it ended by the same socket
// timeout (retried while Redis is away). A step that outlives its bound by far, while the stores answer, is a defect
// (a promise that never settles, a handler that ignores its abort): the worker is then stalled, and says so on
// /healthz and /readyz and in lineup_worker_stalled, so it is seen, alerted on and restarted.

export type Step = "take" | "run" | "settle";

export type Stall = { step: Step; seconds: number };

export type Watchdog = ReturnType<typeof createWatchdog>;

export function createWatchdog(options: {
  /** How far past its own bound a step may run before the worker counts as stalled. */
  stallMs: number;
  /** The longest a job's handler may run (JOB_TIMEOUT_MS): a run's own bound. */
  jobTimeoutMs: number;
  /** The longest a blocking take waits for a job: a take's own bound. */
  takeTimeoutMs: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const bounds: Record<Step, number> = {
    take: options.takeTimeoutMs + options.stallMs,
    settle: options.stallMs,
    run: options.jobTimeoutMs + options.stallMs,
  };
  const open = new Map<symbol, { step: Step; since: number }>();

  return {
    /** Runs `work` as one step of a slot, timed while it lasts. */
    async watch<T>(step: Step, work: () => Promise<T>): Promise<T> {
      const key = Symbol(step);
      open.set(key, { step, since: now() });
      try {
        return await work();
      } finally {
        open.delete(key);
      }
    },

    /** The step that has run longest past its bound, or null when every step is within its bound. */
    stalled(): Stall | null {
      let worst: Stall | null = null;
      let worstOver = 0;
      const at = now();
      for (const { step, since } of open.values()) {
        const over = at - since - bounds[step];
        if (over > worstOver) {
          worstOver = over;
          worst = { step, seconds: Math.round((at - since) / 1000) };
        }
      }
      return worst;
    },
  };
}
