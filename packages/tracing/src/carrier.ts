// A trace context as text (W3C traceparent and tracestate): how it travels in HTTP headers and how a job keeps it on
// its record, from the api's publish span to the worker's process span and the webhook that reports the job.
import { type Context, context, ROOT_CONTEXT, type Span, type SpanContext, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

export type TraceCarrier = { traceparent: string; tracestate?: string };

const w3c = new W3CTraceContextPropagator();
const getter = {
  keys: (carrier: Record<string, string | undefined>) => Object.keys(carrier),
  get: (carrier: Record<string, string | undefined>, key: string) => carrier[key],
};
const setter = { set: (carrier: Record<string, string>, key: string, value: string) => (carrier[key] = value) };

/** The carrier of incoming headers, when they hold a valid traceparent; undefined otherwise. */
export function carrierFromHeaders(headers: Headers): TraceCarrier | undefined {
  const traceparent = headers.get("traceparent") ?? undefined;
  if (!traceparent || !spanContextOf({ traceparent })) return undefined;
  const tracestate = headers.get("tracestate") ?? undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The context a carrier stands for (a remote parent), or the root context when there is none. */
export function contextOf(carrier: TraceCarrier | undefined): Context {
  return carrier ? w3c.extract(ROOT_CONTEXT, { ...carrier }, getter) : ROOT_CONTEXT;
}

export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  return carrier ? trace.getSpanContext(contextOf(carrier)) : undefined;
}

/** The carrier that makes `span` the parent of whatever receives it. */
export function carrierOf(span: Span): TraceCarrier | undefined {
  const headers: Record<string, string> = {};
  w3c.inject(trace.setSpan(context.active(), span), headers, setter);
  return headers.traceparent ? (headers as TraceCarrier) : undefined;
}

/** trace_id and span_id for log lines written while `span` is current (none for a span that is not recorded). */
export function logFieldsOf(span: Span | undefined): { trace_id?: string; span_id?: string } {
  const sc = span?.spanContext();
  // Sampled spans only: an unsampled trace is nowhere to jump to.
  if (!sc || (sc.traceFlags & 1) !== 1) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId };
}
