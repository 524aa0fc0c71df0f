// A job's publish span (OpenTelemetry messaging conventions: a PRODUCER span, messaging.system "lineup"), child of the
// request that submitted it. Its context is what the job keeps on its record, so the worker's process span for each
// attempt and the webhook's deliveries join the trace. Without tracing the caller's traceparent is kept as it came.
import { carrierOf, contextOf, SpanKind, SpanStatusCode, type TraceCarrier, type Tracing } from "@lineup/tracing";

export type Publish = {
  /** What the job keeps: the publish span's context (or the caller's, without tracing). */
  trace?: TraceCarrier;
  /** Ends the span: accepted, or not (the error). */
  end(error?: unknown): void;
};

export function startPublish(
  tracing: Tracing,
  parent: TraceCarrier | undefined,
  job: { id: string; queue: string; type: string; group?: string },
): Publish {
  if (!tracing.enabled) return { trace: parent, end: () => {} };
  const span = tracing.tracer.startSpan(
    `publish ${job.queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "lineup",
        "messaging.operation.name": "publish",
        "messaging.operation.type": "send",
        "messaging.destination.name": job.queue,
        "messaging.message.id": job.id,
        "lineup.job.type": job.type,
        ...(job.group !== undefined ? { "lineup.job.group": job.group } : {}),
      },
    },
    contextOf(parent),
  );
  return {
    trace: carrierOf(span),
    end(error) {
      if (error !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    },
  };
}
