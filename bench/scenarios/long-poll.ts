// Many clients long-polling at once (GET /v1/jobs/{id}?wait=60), each on its own loopback connection: the api's
// memory and CPU while they wait against the same api idle, and how soon each answer leaves after its job finishes.
// The jobs wait in their lines (no worker) while the clients connect; then a worker runs them all.

import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { spawnApp } from "@lineup/testkit";
import { percentile, processCpuMs, until } from "../lib/measure";
import { benchToken, lineupEnv, type Stack } from "../lib/stack";

export type LongPoll = {
  clients: number;
  windowSeconds: number;
  idle: { rssMb: number; cpuPercent: number };
  waiting: { rssMb: number; cpuPercent: number };
  /** From the job's finishedAt (MongoDB) to the client having the whole answer. */
  answerP50Ms: number;
  answerP99Ms: number;
  answerMaxMs: number;
};

const BATCH = 100;

export async function longPoll(stack: Stack, quick: boolean): Promise<LongPoll> {
  const clients = quick ? 200 : 1_000;
  const windowMs = quick ? 1_000 : 3_000;
  const queue = "bench-long-poll";
  const env = lineupEnv(stack, queue);
  const api = await spawnApp("api", env);
  let worker: Awaited<ReturnType<typeof spawnApp>> | undefined;
  try {
    const json = { "content-type": "application/json" };
    const accessToken = await benchToken(api.url, "poll@example.com");
    const headers = { ...json, authorization: `Bearer ${accessToken}` };
    const ids: string[] = [];
    for (let i = 0; i < clients; i += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, clients - i) }, (_, j) => ({
        type: "echo",
        payload: { i: i + j },
        group: `g${(i + j) % 64}`,
      }));
      const res = await fetch(`${api.url}/v1/jobs/batch`, { method: "POST", headers, body: JSON.stringify({ jobs }) });
      ids.push(...((await res.json()) as { items: { id: string }[] }).items.map((j) => j.id));
    }
    const pid = api.proc.pid;
    await Bun.sleep(500);
    const idle = await sample(pid, windowMs);

    const answers = ids.map((id) => longPollOnce(api.port, id, accessToken));
    await until(async () => (await openLongPolls(api.url)) === clients, 30_000, 50);
    const waiting = await sample(pid, windowMs);

    worker = await spawnApp("worker", { ...env, WORKER_ID: "bench-long-poll", WORKER_CONCURRENCY: "8" });
    const late = (await Promise.all(answers)).map(({ receivedAt, body }) => {
      const job = JSON.parse(body) as { status: string; finishedAt?: string };
      if (job.status !== "succeeded" || !job.finishedAt) throw new Error(`long-poll answered ${body.slice(0, 200)}`);
      return receivedAt - Date.parse(job.finishedAt);
    });
    late.sort((a, b) => a - b);
    return {
      clients,
      windowSeconds: windowMs / 1000,
      idle,
      waiting,
      answerP50Ms: percentile(late, 50),
      answerP99Ms: percentile(late, 99),
      answerMaxMs: late.at(-1) ?? Number.NaN,
    };
  } finally {
    await worker?.stop();
    await api.stop();
  }
}

/** The api's resident memory and its CPU use over the next windowMs. */
async function sample(pid: number, windowMs: number): Promise<{ rssMb: number; cpuPercent: number }> {
  const cpu0 = processCpuMs(pid);
  const t0 = performance.now();
  await Bun.sleep(windowMs);
  const cpu = processCpuMs(pid) - cpu0;
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return { rssMb: rssKb / 1024, cpuPercent: (cpu * 100) / (performance.now() - t0) };
}

async function openLongPolls(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^lineup_long_polls_open\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

/** One long-poll on a connection of its own (fetch would share a few), answered when the server closes it. */
function longPollOnce(port: number, id: string, token: string): Promise<{ receivedAt: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("connect", () => {
      socket.write(
        `GET /v1/jobs/${id}?wait=60 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
          "Connection: close\r\n\r\n",
      );
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const receivedAt = Date.now();
      const raw = Buffer.concat(chunks).toString("utf8");
      const split = raw.indexOf("\r\n\r\n");
      const head = raw.slice(0, split);
      const rest = raw.slice(split + 4);
      resolve({ receivedAt, body: /transfer-encoding: chunked/i.test(head) ? dechunk(rest) : rest });
    });
  });
}

function dechunk(text: string): string {
  let out = "";
  for (let at = 0; at < text.length; ) {
    const eol = text.indexOf("\r\n", at);
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!size) break;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}
