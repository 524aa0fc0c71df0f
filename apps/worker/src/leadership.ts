// One active worker per queue keeps the global order. Others wait as standbys and take over when the
// active worker's lease runs out (it died) or is released (it stopped cleanly).
import type { Logger } from "@lineup/log";
import type { Queue } from "@lineup/queue";
import { sleep } from "./persist";

export type Leadership = ReturnType<typeof createLeadership>;

export function createLeadership(deps: {
  queue: Queue;
  workerId: string;
  leaseMs: number;
  log: Logger;
  /** Set to 1 while active, 0 on standby. */
  active: { set(value: number): void };
}) {
  let active = false;
  let renewer: ReturnType<typeof setInterval> | undefined;
  const setActive = (value: boolean) => {
    active = value;
    deps.active.set(value ? 1 : 0);
  };

  /** Asks Redis (and renews); true while this worker holds the lease. */
  const confirm = async (): Promise<boolean> => {
    setActive(await deps.queue.claimActive(deps.workerId, deps.leaseMs));
    return active;
  };

  const renew = async () => {
    const was = active;
    try {
      const still = await confirm();
      if (was && !still) deps.log.error("lost the active lease; stopping work until it is back");
    } catch (err) {
      deps.log.warn("could not renew the active lease", { error: (err as Error).message });
    }
  };

  return {
    isActive: () => active,

    /** Asks Redis (and renews): the cached flag can be up to a renewal interval stale after a takeover. */
    confirm,

    /** Waits until this worker holds the lease; false if stopped first. */
    async acquire(stopped: AbortSignal): Promise<boolean> {
      let announced = false;
      while (!stopped.aborted) {
        if (await confirm()) {
          // Renew well inside the lease, so a slow round trip never lets it lapse.
          renewer ??= setInterval(renew, Math.floor(deps.leaseMs / 4));
          return true;
        }
        if (!announced) deps.log.info("standby: another worker is active on this queue");
        announced = true;
        // Standbys count as alive workers too.
        await deps.queue.heartbeat(deps.workerId);
        await sleep(Math.min(1_000, deps.leaseMs / 4), stopped);
      }
      return false;
    },

    async release(): Promise<void> {
      clearInterval(renewer);
      renewer = undefined;
      setActive(false);
      await deps.queue.releaseActive(deps.workerId);
    },
  };
}
