// Loads the .lua files once into ioredis commands; ioredis calls them by SHA (EVALSHA, EVAL on a miss).
import type Redis from "ioredis";
import admit from "./lua/admit.lua" with { type: "text" };
import complete from "./lua/complete.lua" with { type: "text" };
import defer from "./lua/defer.lua" with { type: "text" };
import enqueue from "./lua/enqueue.lua" with { type: "text" };
import enqueueBatch from "./lua/enqueue-batch.lua" with { type: "text" };
import fenceCancel from "./lua/fence-cancel.lua" with { type: "text" };
import giveBack from "./lua/give-back.lua" with { type: "text" };
import heartbeat from "./lua/heartbeat.lua" with { type: "text" };
import promote from "./lua/promote.lua" with { type: "text" };
import raiseGeneration from "./lua/raise-generation.lua" with { type: "text" };
import raiseSeqFloor from "./lua/raise-seq-floor.lua" with { type: "text" };
import recover from "./lua/recover.lua" with { type: "text" };
import registerWorker from "./lua/register-worker.lua" with { type: "text" };
import release from "./lua/release.lua" with { type: "text" };
import restore from "./lua/restore.lua" with { type: "text" };
import resumeLine from "./lua/resume-line.lua" with { type: "text" };
import runMode from "./lua/run-mode.lua" with { type: "text" };
import takeSlot from "./lua/take-slot.lua" with { type: "text" };
import wake from "./lua/wake.lua" with { type: "text" };

type Arg = string | number;

/** How a slot runs a job it took (lua/run-mode.lua): without a recorded start, counting a lost quick run, or as usual. */
export type RunMode = "quick" | "again" | "record";

export type ScriptedRedis = Redis & {
  lineupEnqueue(
    seqKey: string,
    line: string,
    ready: string,
    envelope: string,
    partitions: number,
    partition: number,
  ): Promise<number>;
  /** Takes the number of keys first: a batch names as many lines as it has. */
  lineupEnqueueBatch(numberOfKeys: number, ...keysThenArgs: Arg[]): Promise<number>;
  lineupComplete(
    held: string,
    line: string,
    ready: string,
    dead: string,
    paused: string,
    stopped: string,
    parked: string,
    stats: string,
    quick: string,
    ...args: Arg[]
  ): Promise<[number, string | null, number, RunMode | ""]>;
  lineupAdmit(
    held: string,
    ready: string,
    paused: string,
    stopped: string,
    parked: string,
    quick: string,
    envelope: string,
    line: string,
  ): Promise<RunMode | "paused" | "parked" | "gone">;
  lineupRelease(scheduled: string, seqKey: string, line: string, ready: string, ...args: Arg[]): Promise<number>;
  lineupResumeLine(
    stopped: string,
    parked: string,
    line: string,
    ready: string,
    dead: string,
    quick: string,
    ...args: Arg[]
  ): Promise<number>;
  lineupWake(delayed: string, ready: string, jobId: string): Promise<number>;
  lineupDefer(
    held: string,
    delayed: string,
    stats: string,
    quick: string,
    envelope: string,
    dueMs: number,
    countRetry: "0" | "1",
    statsTtlSeconds: number,
  ): Promise<number>;
  lineupGiveBack(held: string, ready: string, quick: string, envelope: string, mayHaveRun: "0" | "1"): Promise<number>;
  lineupFenceCancel(quick: string, jobId: string): Promise<number>;
  lineupPromote(delayed: string, ready: string, nowMs: number, limit: number): Promise<[number, number]>;
  lineupRegisterWorker(
    workers: string,
    instances: string,
    held: string,
    ready: string,
    workerId: string,
    instance: string,
  ): Promise<number>;
  lineupHeartbeat(
    workers: string,
    instances: string,
    paused: string,
    workerId: string,
    instance: string,
  ): Promise<[number, number]>;
  lineupRecover(workers: string, instances: string, held: string, ready: string, ...args: Arg[]): Promise<number>;
  lineupRaiseSeqFloor(seqKey: string, floor: number): Promise<number>;
  lineupRestore(line: string, ready: string, ...envelopes: string[]): Promise<number>;
  lineupRaiseGeneration(key: string, generation: number, ttlSeconds: number): Promise<number>;
  lineupTakeSlot(key: string, nowMs: number, leaseMs: number, limit: number, token: string): Promise<number>;
};

// keys undefined: the caller passes the number of keys as the first argument.
const SCRIPTS: [name: string, keys: number | undefined, lua: string][] = [
  ["lineupEnqueue", 3, enqueue],
  ["lineupEnqueueBatch", undefined, enqueueBatch],
  ["lineupComplete", 9, runMode + complete],
  ["lineupAdmit", 6, runMode + admit],
  ["lineupRelease", 4, release],
  ["lineupResumeLine", 6, resumeLine],
  ["lineupWake", 2, wake],
  ["lineupDefer", 4, defer],
  ["lineupGiveBack", 3, giveBack],
  ["lineupFenceCancel", 1, fenceCancel],
  ["lineupPromote", 2, promote],
  ["lineupRegisterWorker", 4, registerWorker],
  ["lineupHeartbeat", 3, heartbeat],
  ["lineupRecover", 4, recover],
  ["lineupRaiseSeqFloor", 1, raiseSeqFloor],
  ["lineupRestore", 2, restore],
  ["lineupRaiseGeneration", 1, raiseGeneration],
  ["lineupTakeSlot", 1, takeSlot],
];

/** Each script as Redis runs it (run-mode.lua prepended where it is used), by its file's name: for tracing tools. */
export const scriptSources: { name: string; lua: string }[] = SCRIPTS.map(([command, , lua]) => ({
  name: command.replace(/^lineup/, "").replace(/[A-Z]/g, (c, i) => (i ? "-" : "") + c.toLowerCase()),
  lua,
}));

export function defineScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.lineupEnqueue === "function") return scripted;
  for (const [name, numberOfKeys, lua] of SCRIPTS) redis.defineCommand(name, { numberOfKeys, lua });
  return scripted;
}
