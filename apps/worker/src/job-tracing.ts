// The worker's spans, after OpenTelemetry's messaging and HTTP conventions: a CONSUMER `process` span per attempt,
// parented to (and linked with) the job's publish span, whose context the job keeps on its record; a CLIENT span for
// each outgoing call a handler makes, whose context the call carries (traceparent) to the target; and one per webhook
// delivery attempt. The wait in line is on the first attempt's span. Without tracing no span is made, and outgoing
// calls carry the job's own trace context (the caller's, as the api kept it) unchanged.
import type { JobDoc } from "@lineup/jobs";
import {
  type Context,
  carrierOf,
  contextOf,
  logFieldsOf,
  SpanKind,
  SpanStatusCode,
  spanContextOf,
  type TraceCarrier,
  type Tracing,
  trace,
} from "@lineup/tracing";

/** An outgoing HTTP call: the headers that carry its trace context, and the end of its span. */
export type CallTrace = { headers: Record<string, string>; end(status?: number, error?: string): void };

export type AttemptTrace = {
  /** trace_id and span_id for the attempt's log lines (none without tracing). */
  logFields: { trace_id?: string; span_id?: string };
  /** An HTTP call the handler makes for the job. */
  call(method: string, url: URL): CallTrace;
  /** The attempt's end: its outcome, and whether it failed. */
  end(outcome: string, failed: boolean): void;
};

const headersOf = (carrier: TraceCarrier | undefined): Record<string, string> =>
  carrier ? { ...carrier } : ({} as Record<string, string>);

const untraced = (job: JobDoc): AttemptTrace => ({
  logFields: {},
  call: () => ({ headers: headersOf(job.trace), end: () => {} }),
  end: () => {},
});

export function startAttempt(tracing: Tracing, job: JobDoc, startedAt = Date.now()): AttemptTrace {
  if (!tracing.enabled) return untraced(job);
  const published = spanContextOf(job.trace);
  const attributes: Record<string, string | number> = {
    "messaging.system": "lineup",
    "messaging.operation.name": "process",
    "messaging.operation.type": "process",
    "messaging.destination.name": job.queue,
    "messaging.message.id": job._id,
    "lineup.job.type": job.type,
    "lineup.job.attempt": job.attempts,
  };
  if (job.group !== undefined) attributes["lineup.job.group"] = job.group;
  // The first attempt waited in its line from when it joined it (a delayed job: when it was released).
  const waitMs = job.attempts === 1 ? startedAt - (job.queuedAt ?? job.createdAt).getTime() : undefined;
  if (waitMs !== undefined) attributes["lineup.job.wait_ms"] = Math.max(0, waitMs);
  const span = tracing.tracer.startSpan(
    `process ${job.queue}`,
    { kind: SpanKind.CONSUMER, attributes, links: published ? [{ context: published }] : [], startTime: startedAt },
    contextOf(job.trace),
  );
  if (waitMs !== undefined) span.addEvent("waited in line", { "lineup.job.wait_ms": Math.max(0, waitMs) });
  return {
    logFields: logFieldsOf(span),
    call: (method, url) => clientSpan(tracing, trace.setSpan(contextOf(undefined), span), method, url),
    end(outcome, failed) {
      span.setAttribute("lineup.job.outcome", outcome);
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
    },
  };
}

/** One webhook delivery attempt for a job, in the job's trace. */
export function startDelivery(tracing: Tracing, job: JobDoc, url: URL): CallTrace {
  if (!tracing.enabled) return { headers: headersOf(job.trace), end: () => {} };
  return clientSpan(tracing, contextOf(job.trace), "POST", url, {
    "lineup.webhook.attempt": job.callback?.attempts ?? 0,
    "messaging.message.id": job._id,
  });
}

function clientSpan(
  tracing: Tracing,
  parent: Context,
  method: string,
  url: URL,
  extra: Record<string, string | number> = {},
): CallTrace {
  const span = tracing.tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        // Without the query, which may hold a token, and without credentials.
        "url.full": `${url.protocol}//${url.host}${url.pathname}`,
        "server.address": url.hostname,
        "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
        ...extra,
      },
    },
    parent,
  );
  return {
    headers: headersOf(carrierOf(span)),
    end(status, error) {
      if (status !== undefined) span.setAttribute("http.response.status_code", status);
      if (error !== undefined || (status !== undefined && status >= 400)) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? `status ${status}` });
      }
      span.end();
    },
  };
}
