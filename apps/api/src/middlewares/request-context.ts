// Request id (X-Request-Id, kept if sane, made if absent, echoed back) and one access-log line per request.
import type { Logger } from "@lineup/log";
import { logFieldsOf } from "@lineup/tracing";
import { Elysia } from "elysia";
import { requestSpanOf } from "./tracing";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RequestInfo = { id: string; startedAt: number };
const info = new WeakMap<Request, RequestInfo>();

/** The request's id, for log lines written while handling it. */
export function requestIdOf(request: Request): string | undefined {
  return info.get(request)?.id;
}

/** What the access log and the HTTP metrics both record once a response is out. The route is the template
 * (/v1/jobs/:id), never the concrete path; durationMs is absent for a request this plugin never saw. */
export function responseFacts(ctx: { request: Request; route: string; set: { status?: unknown } }) {
  const started = info.get(ctx.request)?.startedAt;
  return {
    route: ctx.route || "unmatched",
    status: typeof ctx.set.status === "number" ? ctx.set.status : 200,
    durationMs: started === undefined ? undefined : performance.now() - started,
  };
}

export const requestContext = (log: Logger) =>
  new Elysia({ name: "request-context" })
    .onRequest(({ request, set }) => {
      const given = request.headers.get("x-request-id");
      const id = given && SAFE_ID.test(given) ? given : crypto.randomUUID();
      info.set(request, { id, startedAt: performance.now() });
      set.headers["x-request-id"] = id;
    })
    .onAfterResponse({ as: "global" }, (ctx) => {
      const { route, status, durationMs } = responseFacts(ctx);
      log.info("request", {
        requestId: requestIdOf(ctx.request),
        ...logFieldsOf(requestSpanOf(ctx.request)),
        method: ctx.request.method,
        route,
        status,
        durationMs: durationMs === undefined ? undefined : Math.round(durationMs * 100) / 100,
      });
    });
