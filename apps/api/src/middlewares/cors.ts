// CORS, off unless CORS_ORIGINS lists the browser origins that may call the API. Preflights for a listed
// origin get 204; anything else gets no CORS headers, so browsers refuse it.
import { Elysia } from "elysia";

const METHODS = "GET, POST, DELETE, OPTIONS";
const HEADERS = "authorization, content-type, idempotency-key, x-request-id";

export const cors = (origins: readonly string[]) =>
  new Elysia({ name: "cors", seed: origins }).onRequest(({ request, set }) => {
    const origin = request.headers.get("origin");
    if (!origin || !origins.includes(origin)) return;
    set.headers["access-control-allow-origin"] = origin;
    set.headers.vary = "Origin";
    set.headers["access-control-expose-headers"] = "location, x-request-id, retry-after";
    if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      return new Response(null, {
        status: 204,
        headers: {
          ...(set.headers as Record<string, string>),
          "access-control-allow-methods": METHODS,
          "access-control-allow-headers": HEADERS,
          "access-control-max-age": "600",
        },
      });
    }
  });
