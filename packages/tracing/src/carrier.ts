// A trace context as text (W3C Trace Context: traceparent and tracestate): how it travels in HTTP headers and how a
// job keeps it on its record, from the api's publish span to the worker's process span and the webhook that reports
// the job. Parsed and written here (version 00), so a process that does not trace loads no SDK to pass one on.
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  trace,
} from "@opentelemetry/api";

export type TraceCarrier = { traceparent: string; tracestate?: string };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The carrier of incoming headers, when they hold a valid traceparent; undefined otherwise. */
export function carrierFromHeaders(headers: Headers): TraceCarrier | undefined {
  const traceparent = headers.get("traceparent")?.trim();
  if (!traceparent || !spanContextOf({ traceparent })) return undefined;
  const tracestate = headers.get("tracestate")?.trim();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The remote span a carrier names, or undefined when its traceparent is not a valid one (all-zero ids included). */
export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const m = carrier ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (!m) return undefined;
  const context: SpanContext = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: Number.parseInt(m[3] as string, 16) & 1,
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: createTraceState(carrier.tracestate) } : {}),
  };
  return isSpanContextValid(context) ? context : undefined;
}

/** The context a carrier stands for (a remote parent), or the root context when there is none. */
export function contextOf(carrier: TraceCarrier | undefined): Context {
  const remote = spanContextOf(carrier);
  return remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
}

/** The carrier that makes `span` the parent of whatever receives it. */
export function carrierOf(span: Span): TraceCarrier | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  const traceparent = `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
  const tracestate = sc.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** trace_id and span_id for log lines written while `span` is current (none for a span that is not sampled). */
export function logFieldsOf(span: Span | undefined): { trace_id?: string; span_id?: string } {
  const sc = span?.spanContext();
  // Sampled spans only: an unsampled trace is nowhere to jump to.
  if (!sc || (sc.traceFlags & 1) !== 1) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId };
}
