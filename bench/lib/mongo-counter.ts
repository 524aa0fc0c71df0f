// A TCP proxy in front of MongoDB that counts the commands a process sends (driver heartbeats excluded) and
// keeps the time of each, so a benchmark can say how many MongoDB round trips a job cost.
import { connect, createServer, type Socket } from "node:net";

const WEBHOOK_CLAIM = Buffer.from("callback.dueAt");
const NOT_WORK = new Set(["hello", "ismaster", "isMaster", "endSessions", "saslStart", "saslContinue", "buildInfo"]);

export type MongoCounter = {
  url: string;
  /** Commands seen so far (heartbeats and handshakes left out), by name. */
  counts(): Map<string, number>;
  total(): number;
  /** Every command with the time it was seen (performance.now()), in order. */
  log: { at: number; command: string }[];
  close(): Promise<void>;
};

export async function startMongoCounter(target: string): Promise<MongoCounter> {
  const { hostname, port } = new URL(target);
  const counts = new Map<string, number>();
  const log: { at: number; command: string }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      // OP_MSG: int32 length, requestID, responseTo, opCode 2013, uint32 flags, section kind 0, BSON document.
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        if (pending.readInt32LE(12) === 2013 && pending[20] === 0) {
          const end = pending.indexOf(0, 26);
          const name = pending.toString("utf8", 26, end);
          // The worker's webhook delivery loop looks for due deliveries every second: named apart, as housekeeping.
          const command =
            name === "findAndModify" && pending.subarray(0, length).includes(WEBHOOK_CLAIM) ? "claimWebhook" : name;
          if (!NOT_WORK.has(command)) {
            counts.set(command, (counts.get(command) ?? 0) + 1);
            log.push({ at: performance.now(), command });
          }
        }
        pending = pending.subarray(length);
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const localPort = typeof address === "object" && address ? address.port : 0;
  return {
    url: `mongodb://127.0.0.1:${localPort}/?directConnection=true`,
    counts: () => new Map(counts),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    log,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
