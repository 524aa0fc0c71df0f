export { type Context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
export {
  carrierFromHeaders,
  carrierOf,
  contextOf,
  logFieldsOf,
  spanContextOf,
  type TraceCarrier,
} from "./carrier";
export { startTracing, type Tracing, tracingOff } from "./provider";
