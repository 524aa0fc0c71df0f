// The client's side of the phase-2 endpoints (long-poll and Server-Sent Events), against a small local server that
// speaks their contract. The live tests against the api come with the endpoints.
import { afterAll, describe, expect, it } from "bun:test";
import { createClient, LineupError } from "../src";

const job = (status: string) => ({
  id: "665f1d0a8b3d4a0012a1b2d4",
  type: "echo",
  status,
  payload: 1,
  seq: 1,
  attempts: status === "queued" ? 0 : 1,
  maxAttempts: 3,
  createdAt: "2026-01-15T09:31:00.000Z",
});

const seen: { path: string; lastEventId: string | null; authorization: string | null }[] = [];
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const url = new URL(req.url);
    const lastEventId = req.headers.get("last-event-id");
    seen.push({ path: url.pathname + url.search, lastEventId, authorization: req.headers.get("authorization") });
    const sse = (text: string) => new Response(text, { headers: { "content-type": "text/event-stream" } });
    if (url.pathname === "/v1/jobs/665f1d0a8b3d4a0012a1b2d4/events") {
      // The first connection drops after two events; the client comes back with Last-Event-ID: 2.
      if (lastEventId === null) {
        return sse(
          `retry: 10\n\nid: 1\ndata: ${JSON.stringify(job("queued"))}\n\n: heartbeat\n\nid: 2\ndata: ${JSON.stringify(job("running"))}\n\n`,
        );
      }
      return sse(`id: 3\ndata: ${JSON.stringify(job("succeeded"))}\n\n`);
    }
    if (url.pathname === "/v1/jobs/665f1d0a8b3d4a0012a1b2d4") return Response.json(job("succeeded"));
    return Response.json({ error: { code: "not_found", message: "No such job." } }, { status: 404 });
  },
});
afterAll(() => server.stop(true));

const client = createClient({ baseUrl: `http://127.0.0.1:${server.port}/`, token: "t0k3n" });

describe("client protocol for phase-2 endpoints", () => {
  it("wait asks GET /v1/jobs/{id}?wait=<seconds> with the token", async () => {
    seen.length = 0;
    expect((await client.wait("665f1d0a8b3d4a0012a1b2d4", { timeoutSeconds: 30 })).status).toBe("succeeded");
    expect(seen).toEqual([
      { path: "/v1/jobs/665f1d0a8b3d4a0012a1b2d4?wait=30", lastEventId: null, authorization: "Bearer t0k3n" },
    ]);
  });

  it("events resumes a dropped stream with Last-Event-ID and ends once the job is final", async () => {
    seen.length = 0;
    const events = [];
    for await (const e of client.events("665f1d0a8b3d4a0012a1b2d4")) events.push(e);
    expect(events.map((e) => [e.id, e.job.status])).toEqual([
      ["1", "queued"],
      ["2", "running"],
      ["3", "succeeded"],
    ]);
    expect(seen.map((s) => s.lastEventId)).toEqual([null, "2"]);
  });

  it("events ends with a LineupError when the stream is refused for good (404)", async () => {
    const stream = client.events("665f1d0a8b3d4a0012a1b2ff");
    const err = await stream.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LineupError);
    expect(err).toMatchObject({ status: 404, code: "not_found" });
  });
});
