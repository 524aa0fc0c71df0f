// A request without a usable Host (HTTP/1.0 without one, or an empty one) reaches the app with a bare path for its
// URL, which every later hook would fail to parse into a 500. It gets 400 bad_request first, as RFC 9112 asks.
import { errors } from "@lineup/errors";
import { Elysia } from "elysia";

export const requestTarget = () =>
  new Elysia({ name: "request-target" }).onRequest(({ request }) => {
    if (!URL.canParse(request.url)) throw errors.badRequest("A valid Host header is required.");
  });
