// Server-Sent Events routes: one job's state changes, or every job's of the user. The streams themselves are in
// services/event-streams.ts; these routes only authenticate and hand over.
import { Elysia } from "elysia";
import { z } from "zod";
import { authPlugin } from "../middlewares/auth";
import { jobEventsAnswers, userEventsAnswers } from "../schemas/events";
import { exampleEventStream, exampleJobEventStream } from "../schemas/examples";
import { JobIdParamsSchema } from "../schemas/jobs";
import type { Revocation, Tokens } from "../services/auth";
import type { EventStreams } from "../services/events";

const EventHeadersSchema = z.object({
  "last-event-id": z
    .string()
    .optional()
    .describe("The id of the last event you got: the stream resumes after it (ids it does not know are ignored)"),
});

/** The 200 answer: a stream, documented by hand (it is text/event-stream, not JSON). */
const streamAnswer = (description: string, example: string) => ({
  description,
  content: { "text/event-stream": { schema: { type: "string" as const }, example } },
});

const HOW =
  "Each event is `id: <event id>` and `data: <the job as GET /v1/jobs/{id} shows it>` at that change; a comment " +
  "line comes every 15 s when nothing happens. After a drop, reconnect with `Last-Event-ID`: the changes since " +
  "are sent first (your last EVENT_HISTORY_LENGTH changes are kept, for 24 h), then it goes on live. When the id " +
  "is older than that, an `event: truncated` comes first.";

export const eventRoutes = (deps: { tokens: Tokens; revocation: Revocation; streams: EventStreams }) =>
  new Elysia({ name: "event-routes" })
    .use(authPlugin(deps.tokens, deps.revocation))
    .get(
      "/v1/jobs/:id/events",
      ({ params, headers, claims, request, server }) => {
        // Bun closes a connection idle for 10 s by default; heartbeats are further apart than that.
        server?.timeout(request, 0);
        return deps.streams.job(claims.sub, params.id, headers["last-event-id"], request.signal);
      },
      {
        auth: true,
        params: JobIdParamsSchema,
        headers: EventHeadersSchema,
        response: jobEventsAnswers,
        detail: {
          tags: ["jobs"],
          summary: "Follow one of your jobs (Server-Sent Events)",
          description: `The job as it is now, then each change of its state; the stream ends after the final state. ${HOW}`,
          responses: { 200: streamAnswer("The job's changes, ending once it is final", exampleJobEventStream) },
        },
      },
    )
    .get(
      "/v1/events",
      ({ headers, claims, request, server }) => {
        server?.timeout(request, 0);
        return deps.streams.owner(claims.sub, headers["last-event-id"], request.signal);
      },
      {
        auth: true,
        headers: EventHeadersSchema,
        response: userEventsAnswers,
        detail: {
          tags: ["jobs"],
          summary: "Follow all your jobs (Server-Sent Events)",
          description: `Every state change of every job of yours from now on (or since Last-Event-ID). ${HOW}`,
          responses: { 200: streamAnswer("Your jobs' changes, as they happen", exampleEventStream) },
        },
      },
    );
