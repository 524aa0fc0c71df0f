// The one error the client throws: the API's error body (status, stable code, message, details) with Retry-After.
import type { ErrorBody, ErrorDetail } from "./types.js";

export class LineupError extends Error {
  /** The HTTP status; 0 when no answer came (the network failed). */
  readonly status: number;
  /** The API's stable snake_case code (unauthorized, not_found, validation_failed, ...): branch on it. */
  readonly code: string;
  /** For validation_failed: one { path, message } per problem. */
  readonly details: ErrorDetail[];
  /** Seconds to wait before trying again, when the API said (429 rate_limited). */
  readonly retryAfter: number | undefined;
  /** The request's X-Request-Id, to quote when reporting a problem. */
  readonly requestId: string | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: ErrorDetail[]; retryAfter?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "LineupError";
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.retryAfter = options.retryAfter;
    this.requestId = options.requestId;
  }

  /** The error an answer that is not 2xx stands for. */
  static async fromResponse(res: Response): Promise<LineupError> {
    const text = await res.text().catch(() => "");
    let body: Partial<ErrorBody> | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const retryAfter = Number(res.headers.get("retry-after") ?? Number.NaN);
    return new LineupError(
      res.status,
      body?.error?.code ?? `http_${res.status}`,
      body?.error?.message ?? (text.slice(0, 200) || res.statusText),
      {
        details: body?.error?.details,
        retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
        requestId: res.headers.get("x-request-id") ?? undefined,
      },
    );
  }
}
