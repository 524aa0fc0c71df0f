// One SERVER span per request, after OpenTelemetry's HTTP conventions, and the parent of what the request does (a
// job's publish span). A W3C traceparent from the caller makes it part of the caller's trace. Without tracing no span
// is made; a caller's traceparent is still kept with the jobs it submits.
import {
  carrierFromHeaders,
  carrierOf,
  contextOf,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TraceCarrier,
  type Tracing,
} from "@lineup/tracing";
import { Elysia } from "elysia";

const spans = new WeakMap<Request, Span>();

/** The request's span, while it is handled (none without tracing). */
export const requestSpanOf = (request: Request): Span | undefined => spans.get(request);

/** The trace context a job submitted by this request keeps: the request's span, else the caller's traceparent. */
export function parentTraceOf(request: Request): TraceCarrier | undefined {
  const span = spans.get(request);
  return span ? carrierOf(span) : carrierFromHeaders(request.headers);
}

export const requestTracing = (tracing: Tracing) => {
  const plugin = new Elysia({ name: "request-tracing" });
  if (!tracing.enabled) return plugin;
  return plugin
    .onRequest(({ request }) => {
      const url = new URL(request.url);
      const span = tracing.tracer.startSpan(
        request.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            "http.request.method": request.method,
            "url.path": url.pathname,
            "url.scheme": url.protocol.replace(":", ""),
            "server.address": url.hostname,
            "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
            "user_agent.original": request.headers.get("user-agent") ?? undefined,
          },
        },
        contextOf(carrierFromHeaders(request.headers)),
      );
      spans.set(request, span);
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const span = spans.get(request);
      if (!span) return;
      const status = typeof set.status === "number" ? set.status : 200;
      if (route) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute("http.route", route);
      }
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      // Left in the (weak) map: the access log line, written after this hook, still names the trace.
      span.end();
    });
};
