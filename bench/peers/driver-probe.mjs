// Client CPU per MongoDB command: through the official driver, and the same command written as one OP_MSG on a raw
// socket (BSON from the driver's own package). Plain JavaScript, so Bun and Node run the same file.
// Usage: driver-probe.mjs <mongodb-url> <rounds>; prints one JSON line {runtime, ops: {name: {driverUs, rawUs}}}.
import { connect } from "node:net";
import { BSON, MongoClient, ObjectId } from "mongodb";

const [url, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 500);
const dbName = "driver_probe";
const collection = `c${process.pid}`;

const client = new MongoClient(url, { maxPoolSize: 1 });
await client.connect();
const coll = client.db(dbName).collection(collection);
const seeded = new ObjectId();
await coll.insertOne({ _id: seeded, n: 0 });

const raw = await rawConnection(new URL(url));
const docs = (n) => Array.from({ length: n }, (_, i) => ({ _id: new ObjectId(), n: i, s: "payload" }));

const ops = {
  ping: {
    driver: () => client.db("admin").command({ ping: 1 }),
    raw: () => raw.command({ ping: 1, $db: "admin" }),
  },
  findOne: {
    driver: () => coll.findOne({ _id: seeded }),
    raw: () => raw.command({ find: collection, filter: { _id: seeded }, limit: 1, singleBatch: true, $db: dbName }),
  },
  insertOne: {
    driver: () => coll.insertOne(docs(1)[0]),
    raw: () => raw.command({ insert: collection, documents: docs(1), $db: dbName }),
  },
  insertMany100: {
    driver: () => coll.insertMany(docs(100)),
    raw: () => raw.command({ insert: collection, documents: docs(100), $db: dbName }),
  },
};

const result = {};
for (const [name, { driver, raw: onSocket }] of Object.entries(ops)) {
  const n = name === "insertMany100" ? Math.max(20, Math.floor(rounds / 10)) : rounds;
  for (let i = 0; i < 20; i++) {
    await driver();
    await onSocket();
  }
  result[name] = { driverUs: await cpuPer(driver, n), rawUs: await cpuPer(onSocket, n) };
}
await coll.drop().catch(() => {});
await client.close();
raw.close();
console.log(
  JSON.stringify({
    runtime: typeof Bun === "undefined" ? `node ${process.version}` : `bun ${Bun.version}`,
    ops: result,
  }),
);

async function cpuPer(fn, n) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / n;
}

/** One socket, one command at a time: OP_MSG (opcode 2013) with a single body section. */
async function rawConnection(address) {
  const socket = connect(Number(address.port || 27017), address.hostname);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let pending = null;
  let buffered = Buffer.alloc(0);
  let requestId = 0;
  socket.on("data", (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    if (buffered.length < 4) return;
    const length = buffered.readInt32LE(0);
    if (buffered.length < length) return;
    const message = buffered.subarray(0, length);
    buffered = buffered.subarray(length);
    // header (16 bytes), flagBits (4), section kind 0 (1), then the reply document.
    const reply = BSON.deserialize(message.subarray(21));
    const settle = pending;
    pending = null;
    if (reply.ok === 1) settle.resolve(reply);
    else settle.reject(new Error(reply.errmsg ?? "command failed"));
  });
  return {
    command(doc) {
      const body = BSON.serialize(doc);
      const header = Buffer.alloc(21);
      header.writeInt32LE(21 + body.length, 0);
      header.writeInt32LE(++requestId, 4);
      header.writeInt32LE(0, 8);
      header.writeInt32LE(2013, 12);
      header.writeUInt32LE(0, 16);
      header.writeUInt8(0, 20);
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(Buffer.concat([header, body]));
      });
    },
    close: () => socket.destroy(),
  };
}
