// Loads the .lua files once into ioredis commands; ioredis calls them by SHA (EVALSHA, EVAL on a miss).
import type Redis from "ioredis";
import claimActive from "./lua/claim-active.lua" with { type: "text" };
import enqueue from "./lua/enqueue.lua" with { type: "text" };
import finish from "./lua/finish.lua" with { type: "text" };
import raiseSeqFloor from "./lua/raise-seq-floor.lua" with { type: "text" };
import rateLimit from "./lua/rate-limit.lua" with { type: "text" };
import recover from "./lua/recover.lua" with { type: "text" };
import releaseActive from "./lua/release-active.lua" with { type: "text" };
import restore from "./lua/restore.lua" with { type: "text" };
import returnToHead from "./lua/return-to-head.lua" with { type: "text" };

type Arg = string | number;

export type ScriptedRedis = Redis & {
  lineupEnqueue(seqKey: string, pending: string, envelope: string): Promise<number>;
  lineupFinish(processing: string, dead: string, lastFinished: string, ...args: Arg[]): Promise<number>;
  lineupReturnToHead(processing: string, pending: string, envelope: string): Promise<number>;
  lineupRecover(processing: string, pending: string, workers: string, clients: string, ...args: Arg[]): Promise<number>;
  lineupClaimActive(active: string, workers: string, ...args: Arg[]): Promise<number>;
  lineupReleaseActive(active: string, workerId: string): Promise<number>;
  lineupRaiseSeqFloor(seqKey: string, floor: number): Promise<number>;
  lineupRestore(pending: string, ...envelopes: string[]): Promise<number>;
  lineupRateLimit(key: string, limit: number, windowMs: number): Promise<[number, number, number]>;
};

const SCRIPTS: [name: string, keys: number, lua: string][] = [
  ["lineupEnqueue", 2, enqueue],
  ["lineupFinish", 3, finish],
  ["lineupReturnToHead", 2, returnToHead],
  ["lineupRecover", 4, recover],
  ["lineupClaimActive", 2, claimActive],
  ["lineupReleaseActive", 1, releaseActive],
  ["lineupRaiseSeqFloor", 1, raiseSeqFloor],
  ["lineupRestore", 1, restore],
  ["lineupRateLimit", 1, rateLimit],
];

export function defineScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.lineupEnqueue === "function") return scripted;
  for (const [name, numberOfKeys, lua] of SCRIPTS) redis.defineCommand(name, { numberOfKeys, lua });
  return scripted;
}
