import { describe, expect, it } from "bun:test";
import { readEvents, type ServerSentEvent } from "./sse";

/** A body that arrives in exactly these pieces. */
function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, onRetry?: (ms: number) => void) {
  const events: ServerSentEvent[] = [];
  for await (const e of readEvents(body, onRetry)) events.push(e);
  return events;
}

describe("readEvents", () => {
  it("tells each id it reads, also one sent with no data (a stream's starting point), which dispatches nothing", async () => {
    const ids: string[] = [];
    const events: ServerSentEvent[] = [];
    for await (const e of readEvents(
      streamOf("retry: 1000\n\nid: 5-0\n\n", "id: 6-0\ndata: {}\n\n"),
      () => {},
      (id) => ids.push(id),
    ))
      events.push(e);
    expect(ids).toEqual(["5-0", "6-0"]);
    expect(events).toEqual([{ lastEventId: "6-0", event: "message", data: "{}" }]);
  });

  it("dispatches an event per blank line, with its id, type and data", async () => {
    const events = await collect(streamOf('id: 1\nevent: job\ndata: {"a":1}\n\n', 'id: 2\ndata: {"a":2}\n\n'));
    expect(events).toEqual([
      { lastEventId: "1", event: "job", data: '{"a":1}' },
      { lastEventId: "2", event: "message", data: '{"a":2}' },
    ]);
  });

  it("reads lines ended by CRLF, CR or LF, even split between chunks", async () => {
    const events = await collect(streamOf("id: 7\r", "\ndata: x\r\r", "data: y\n", "\n"));
    expect(events).toEqual([
      { lastEventId: "7", event: "message", data: "x" },
      { lastEventId: "7", event: "message", data: "y" },
    ]);
  });

  it("joins data lines with newlines and keeps the id until another comes", async () => {
    const events = await collect(streamOf("id: 3\ndata: one\ndata: two\n\ndata: three\n\n"));
    expect(events.map((e) => [e.lastEventId, e.data])).toEqual([
      ["3", "one\ntwo"],
      ["3", "three"],
    ]);
  });

  it("skips comments (heartbeats) and events without data, and reports retry", async () => {
    const retries: number[] = [];
    const events = await collect(streamOf(": heartbeat\n\nevent: ping\n\nretry: 2500\ndata: x\n\n"), (ms) =>
      retries.push(ms),
    );
    expect(events).toEqual([{ lastEventId: undefined, event: "message", data: "x" }]);
    expect(retries).toEqual([2500]);
  });

  it("does not dispatch an event the stream cut off before its blank line", async () => {
    expect(await collect(streamOf("id: 1\ndata: half"))).toEqual([]);
  });
});
