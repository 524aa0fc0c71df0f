// What a job handler is: a function from a checked payload to a JSON result, given the job's identity.
import type { Logger } from "@lineup/log";
import type { CallTrace } from "../job-tracing";

export type HandlerContext = {
  jobId: string;
  /** 1 for the first run; a crash or a retry runs the handler again with a higher attempt. */
  attempt: number;
  /** Aborted when the handler's time is up or the worker is shutting down. */
  signal: AbortSignal;
  log: Logger;
  /** HTTP_JOB_ALLOWED_NETWORKS: CIDRs `http` jobs may reach besides global unicast addresses. */
  allowedNetworks: readonly string[];
  /**
   * Reports how far the job got (0 to 100) and, optionally, what it is doing: shown at once in the job's event streams
   * and in its view (written to its record at most about once a second).
   */
  progress: (percent: number, message?: string) => void;
  /**
   * Outgoing calls in the job's trace: `call(method, url)` gives the headers to send (W3C traceparent) and, when the
   * worker traces, a CLIENT span to end with the answer's status or an error.
   */
  trace: { call(method: string, url: URL): CallTrace };
};

export type Handler<P> = (payload: P, ctx: HandlerContext) => Promise<unknown>;

/** A handler's failure. `retryable: false` fails the job at once; otherwise it is retried up to maxAttempts. */
export class JobError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "JobError";
    this.code = code;
    this.retryable = options.retryable;
  }
}
