// Group commit: calls that arrive while a write is in flight go out together in the next one, so callers that write
// at the same time pay one MongoDB round trip between them instead of one each. A lone call goes out at once:
// nothing ever waits for company, so a lone caller runs as fast as without it.

type Pending<P, R> = { params: P; resolve: (result: R) => void; reject: (err: unknown) => void };

export function groupCommit<P, R>(flush: (batch: P[]) => Promise<R[]>, maxBatch = 64): (params: P) => Promise<R> {
  const waiting: Pending<P, R>[] = [];
  let flushing = false;

  async function drain(): Promise<void> {
    flushing = true;
    while (waiting.length) {
      const batch = waiting.splice(0, maxBatch);
      try {
        const results = await flush(batch.map((b) => b.params));
        for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
      } catch (err) {
        // Each caller sees the failure and retries on its own (see persist.ts).
        for (const b of batch) b.reject(err);
      }
    }
    flushing = false;
  }

  return (params) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ params, resolve, reject });
      if (!flushing) void drain();
    });
}
