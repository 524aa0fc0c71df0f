// The current view's refresh: a tick now and every few seconds, skipped while the tab is hidden; one view at a time.

let stopCurrent = () => {};

/** Stops the current view's refresh, if it has one. */
export function stopRefresh(): void {
  stopCurrent();
  stopCurrent = () => {};
}

/** Makes tick the current view's refresh, in place of the one before: run now and every ms while it answers true. */
export function refreshEvery(ms: number, tick: () => Promise<boolean>): void {
  stopRefresh();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = async () => {
    if (stopped) return;
    if (!document.hidden && !(await tick())) return;
    if (!stopped) timer = setTimeout(run, ms);
  };
  stopCurrent = () => {
    stopped = true;
    clearTimeout(timer);
  };
  void run();
}
