// A Server-Sent Events reader over fetch's streamed body, per the HTML spec's parsing rules: lines end with CRLF, LF or
// CR; `data` lines join with newlines; a blank line dispatches; `id` persists until changed; lines starting with ':'
// are comments (heartbeats).

export type ServerSentEvent = {
  /** The last event id seen on this stream, this event's or an earlier one's. */
  lastEventId: string | undefined;
  /** The event's type: `message` unless an `event:` line named another. */
  event: string;
  data: string;
};

export async function* readEvents(
  body: ReadableStream<Uint8Array>,
  onRetry: (ms: number) => void = () => {},
  /** Each id as it is read: an id sent with no data (a stream's starting point) is a place to resume from too. */
  onId: (id: string) => void = () => {},
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let lastEventId: string | undefined;
  let event = "";
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      // A lone CR at the end may be the first half of a CRLF: wait for the next chunk.
      if (end < 0 || (end === buffer.length - 1 && buffer[end] === "\r")) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (data.length) yield { lastEventId, event: event || "message", data: data.join("\n") };
        event = "";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
      else if (field === "id" && !value.includes("\0")) {
        lastEventId = value;
        onId(value);
      } else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
    }
  }
}
