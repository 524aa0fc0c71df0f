// Request id (X-Request-Id, kept if sane, made if absent, echoed back) and one access-log line per request.
import type { Logger } from "@lineup/log";
import { Elysia } from "elysia";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RequestInfo = { id: string; startedAt: number };
const info = new WeakMap<Request, RequestInfo>();

/** The request's id, for log lines written while handling it. */
export function requestIdOf(request: Request): string | undefined {
  return info.get(request)?.id;
}

export const requestContext = (log: Logger) =>
  new Elysia({ name: "request-context" })
    .onRequest(({ request, set }) => {
      const given = request.headers.get("x-request-id");
      const id = given && SAFE_ID.test(given) ? given : crypto.randomUUID();
      info.set(request, { id, startedAt: performance.now() });
      set.headers["x-request-id"] = id;
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const req = info.get(request);
      log.info("request", {
        requestId: req?.id,
        method: request.method,
        route: route || "unmatched",
        status: typeof set.status === "number" ? set.status : 200,
        durationMs: req ? Math.round((performance.now() - req.startedAt) * 100) / 100 : undefined,
      });
    });
