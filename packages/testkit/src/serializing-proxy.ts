// A Mongo wire-protocol proxy that runs one command at a time across all connections.
//
// Why: FerretDB 1.24's SQLite handler performs update and findAndModify as "query, filter in Go, write the
// whole document back", with no isolation between the read and the write. Two concurrent conditional
// updates of one document can both succeed, and an update can silently undo another (seen here: the api's
// seq update overwrote the worker's `succeeded`). MongoDB makes each single-document write atomic, and
// Lineup relies on that. Serializing commands restores that guarantee for tests and the dev run; it is a
// test-kit workaround only. The app always talks plain MongoDB wire protocol.
import { connect, createServer, type Server, type Socket } from "node:net";

const HEADER = 16;
const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;
// Server-monitoring commands may wait for seconds (awaitable hello); they must not hold the line.
const UNSERIALIZED = new Set(["hello", "ismaster", "isMaster"]);

export type SerializingProxy = { port: number; close(): Promise<void> };

export async function startSerializingProxy(upstreamPort: number): Promise<SerializingProxy> {
  let line: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const fromClient = messageReader();
    const fromServer = messageReader();
    let replyWaiter: ((reply: Buffer) => void) | null = null;
    let closed = false;

    const close = () => {
      closed = true;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      replyWaiter?.(Buffer.alloc(0));
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);

    upstream.on("data", (chunk: Buffer) => {
      for (const reply of fromServer(chunk)) {
        client.write(reply);
        if (expectsMore(reply)) continue;
        const wake = replyWaiter;
        replyWaiter = null;
        wake?.(reply);
      }
    });

    // Requests on one connection are sequential already (the driver sends one at a time per connection).
    let previous: Promise<void> = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      for (const request of fromClient(chunk)) {
        const run = async () => {
          // A request queued behind others whose client has gone (kill -9) must not hold the line.
          if (closed) return;
          const reply = expectsMore(request) ? null : new Promise<Buffer>((resolve) => (replyWaiter = resolve));
          upstream.write(request);
          await reply;
        };
        previous = previous.then(() => {
          if (!isSerialized(request)) return run();
          const turn = line.then(run);
          line = turn.catch(() => {});
          return turn;
        });
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Splits a byte stream into whole wire-protocol messages (length-prefixed, little-endian int32). */
function messageReader(): (chunk: Buffer) => Buffer[] {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const out: Buffer[] = [];
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (pending.length < length) break;
      out.push(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
    return out;
  };
}

function expectsMore(message: Buffer): boolean {
  return message.readInt32LE(12) === OP_MSG && (message.readUInt32LE(HEADER) & MORE_TO_COME) !== 0;
}

/** The command name is the first key of the OP_MSG body (section kind 0, after flags). */
function isSerialized(message: Buffer): boolean {
  if (message.readInt32LE(12) !== OP_MSG || message[HEADER + 4] !== 0) return true;
  const nameStart = HEADER + 4 + 1 + 4 + 1; // flags, section kind, BSON length, element type
  const nameEnd = message.indexOf(0, nameStart);
  return !UNSERIALIZED.has(message.toString("utf8", nameStart, nameEnd));
}
