// Bounds bcrypt work. Bun.password hashes on a thread pool, off the event loop, but each hash takes a core for a
// quarter of a second at cost 12: on a 2-core machine a few logins at once leave nothing for the requests around
// them. The gate lets `slots` hashes run at once (by default one core fewer than the machine has), queues the rest
// briefly, and past `maxWaitMs` answers 503 with Retry-After. Logins go first, and registrations may hold at most half
// the slots, so a flood of sign-ups never stops the people who already have accounts from logging in.
import { AppError } from "@lineup/errors";

export type HashKind = "login" | "registration";

export type HashingGate = {
  /** Runs `work` once a slot is free; 503 unavailable if none frees up within the wait. */
  run<T>(kind: HashKind, work: () => Promise<T>): Promise<T>;
};

type Waiter = { start: () => void; timer: Timer };

// Beyond this many waiting, a request is refused at once: the queue must not grow with the attacker's rate.
const MAX_WAITING = 256;

export function createHashingGate(options: { slots: number; maxWaitMs: number }): HashingGate {
  const registrationSlots = Math.max(1, Math.floor(options.slots / 2));
  const busy = { login: 0, registration: 0 };
  const waiting: Record<HashKind, Waiter[]> = { login: [], registration: [] };
  const retryAfter = String(Math.max(1, Math.ceil(options.maxWaitMs / 1000)));
  const busyError = () =>
    new AppError(503, "unavailable", "Too many logins and sign-ups at once; retry shortly.", {
      headers: { "retry-after": retryAfter },
    });

  const canStart = (kind: HashKind) =>
    busy.login + busy.registration < options.slots && (kind === "login" || busy.registration < registrationSlots);

  const startWaiting = () => {
    for (const kind of ["login", "registration"] as const) {
      while (waiting[kind].length && canStart(kind)) {
        const next = waiting[kind].shift() as Waiter;
        clearTimeout(next.timer);
        busy[kind]++;
        next.start();
      }
    }
  };

  const acquire = (kind: HashKind): Promise<void> => {
    if (!waiting[kind].length && canStart(kind)) {
      busy[kind]++;
      return Promise.resolve();
    }
    if (waiting.login.length + waiting.registration.length >= MAX_WAITING) return Promise.reject(busyError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          waiting[kind].splice(waiting[kind].indexOf(waiter), 1);
          reject(busyError());
        }, options.maxWaitMs),
      };
      waiting[kind].push(waiter);
    });
  };

  return {
    async run(kind, work) {
      await acquire(kind);
      try {
        return await work();
      } finally {
        busy[kind]--;
        startWaiting();
      }
    },
  };
}
