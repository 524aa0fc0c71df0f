// Polls until a condition holds, against the monotonic clock: a step of the wall clock (NTP, a VM resumed) can neither
// cut a wait short nor stretch it. A timeout says how long it waited, so a flaky wait tells which it was.

/** Resolves with fn's first truthy value, polling every `everyMs`; throws once `timeoutMs` have passed without one. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<Exclude<T, null | undefined | false | 0 | "">> {
  const started = performance.now();
  for (;;) {
    const value = await fn();
    if (value) return value as Exclude<T, null | undefined | false | 0 | "">;
    const waited = performance.now() - started;
    if (waited > timeoutMs) {
      throw new Error(`condition not met in time (${timeoutMs} ms allowed, ${Math.round(waited)} ms waited)`);
    }
    await Bun.sleep(everyMs);
  }
}
