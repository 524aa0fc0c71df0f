// Admin work on the queue: an overview (jobs by status, groups, the dead set, throughput, workers and what each
// holds), its longest groups, and pause/resume. The paused state lives in MongoDB (it survives anything Redis
// loses; workers copy it back after a reconnection) and in Redis (where the workers' scripts read it).
import { countFinishedSince, countQueueJobs, type Db, findQueueState, queuedByLine, setQueuePaused } from "@lineup/db";
import { errors } from "@lineup/errors";
import { JOB_STATUSES } from "@lineup/jobs";
import { minuteOf, type Queue } from "@lineup/queue";
import type { z } from "zod";
import type { GroupListSchema, QueueOverviewSchema, QueueStatsSchema } from "../../schemas/admin";
import type { Actor, Audit } from "./audit";

export const noSuchQueue = () => errors.notFound("No such queue here.");

export type AdminQueuesDeps = { db: Db; queue: Queue; now: () => Date; leaseMs: number; audit: Audit };

type QueueOverview = z.output<typeof QueueOverviewSchema>;

export async function queueOverview(deps: AdminQueuesDeps): Promise<QueueOverview> {
  const { db, queue } = deps;
  const now = deps.now();
  const [jobs, snapshot, workers, throughput] = await Promise.all([
    countQueueJobs(db, queue.name, JOB_STATUSES),
    queue.snapshot(deps.leaseMs, now.getTime()),
    queue.workersDetail(),
    countFinishedSince(db, queue.name, new Date(now.getTime() - 60_000)),
  ]);
  return {
    name: queue.name,
    paused: snapshot.paused,
    jobs,
    deadSet: snapshot.dead,
    groups: { ready: snapshot.readyLines, inFlight: snapshot.linesInFlight, retrying: snapshot.retryingLines },
    oldestReadyAgeSeconds: snapshot.oldestReadyAgeSeconds,
    throughputLastMinute: throughput,
    workers: workers.map((w) => ({
      id: w.id,
      alive: now.getTime() - w.lastSeen < deps.leaseMs,
      lastSeenAt: new Date(w.lastSeen).toISOString(),
      holding: w.holding.map((e) => ({ id: e.id, seq: e.seq, line: e.line, type: e.type })),
    })),
  };
}

/** The queue's counts per minute over the window, oldest first, the current minute last. */
export async function queueStats(
  deps: AdminQueuesDeps,
  name: string,
  window: "1h" | "24h",
): Promise<z.output<typeof QueueStatsSchema>> {
  ownQueue(deps, name);
  const to = minuteOf(Date.now());
  const minutes = await deps.queue.stats(to - (window === "1h" ? 60 : 1440) + 1, to);
  return { queue: name, window, minutes: minutes.map((m) => ({ ...m, at: m.at.toISOString() })) };
}

/** The queue's lines with the most jobs queued. */
export async function queueGroups(
  deps: AdminQueuesDeps,
  name: string,
  limit: number,
): Promise<z.output<typeof GroupListSchema>> {
  ownQueue(deps, name);
  const rows = await queuedByLine(deps.db, deps.queue.name, limit);
  return {
    items: rows.map((r) => {
      const [, ownerId, ...group] = r.line.split(":");
      return {
        line: r.line,
        ...(r.line.startsWith("g:") ? { ownerId, group: group.join(":") } : {}),
        ...(r.line.startsWith("u:") ? { ownerId } : {}),
        queued: r.queued,
        oldestCreatedAt: r.oldestCreatedAt.toISOString(),
      };
    }),
  };
}

export async function setPaused(
  deps: AdminQueuesDeps,
  actor: Actor,
  name: string,
  paused: boolean,
): Promise<QueueOverview> {
  ownQueue(deps, name);
  // MongoDB first: it is the record, and the workers restore Redis's copy from it.
  await setQueuePaused(deps.db, { queue: name, paused, by: actor.email, now: deps.now() });
  await deps.queue.setPaused(paused).catch((err) => {
    throw errors.unavailable(
      `MongoDB records the queue as ${paused ? "paused" : "running"}; Redis did not take it yet, the workers will when it is back.`,
      undefined,
      err,
    );
  });
  await deps.audit.record(actor, paused ? "queue.pause" : "queue.resume", { queue: name }, 0);
  return queueOverview(deps);
}

/** Whether the queue is paused, by its record. */
export async function isQueuePaused(deps: Pick<AdminQueuesDeps, "db" | "queue">): Promise<boolean> {
  return (await findQueueState(deps.db, deps.queue.name))?.paused ?? false;
}

function ownQueue(deps: AdminQueuesDeps, name: string): void {
  if (name !== deps.queue.name) throw noSuchQueue();
}
