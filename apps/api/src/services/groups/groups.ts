// Groups: a user's lines, which they (or an admin, for any user) can pause and resume, and which a job that fails for
// good with onFailure: halt halts. The line's state is recorded in MongoDB first (the truth, which the workers copy
// back into Redis after any loss), then Redis stops or resumes the line.
import {
  clearLineState,
  countLineJobs,
  type Db,
  findJob,
  findLineState,
  type LineState,
  ownerGroupCounts,
  ownerLineStates,
  releaseHaltedJob,
  retryHaltedJob,
  stopLine,
} from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import { type JobDoc, lineOf } from "@lineup/jobs";
import type { Queue } from "@lineup/queue";
import type { Announce } from "../events";

export type GroupsDeps = { db: Db; queue: Queue; now: () => Date; announce: Announce };

export type GroupState = "active" | LineState;
export type GroupView = {
  group: string;
  state: GroupState;
  scheduled: number;
  queued: number;
  running: number;
  haltedJobId?: string;
};

/** What to do with the job that halted a line, when resuming it. */
export type FailedJobChoice = "retry" | "skip";

// A user's groups as GET /v1/groups lists them, at most this many.
export const MAX_GROUPS_LISTED = 1_000;

export const groupHalted = (group: string, jobId: string) =>
  new AppError(
    409,
    "group_halted",
    `Group ${group} is halted by job ${jobId}, which failed for good. Resume it with {"failedJob": "retry"} to run ` +
      `that job again first, or {"failedJob": "skip"} to leave it failed and go on with the next job.`,
  );

const queueUnavailable = (cause: unknown) =>
  errors.unavailable("Redis did not take the change yet; it is on record and the workers apply it.", undefined, cause);

/** A group's line: a user's groups are theirs alone, whatever another user names theirs. */
const lineOfGroup = (ownerId: string, group: string) => lineOf(ownerId, group, "queue");

export async function groupView(deps: GroupsDeps, ownerId: string, group: string): Promise<GroupView> {
  const line = lineOfGroup(ownerId, group);
  const [state, counts] = await Promise.all([
    findLineState(deps.db, deps.queue.name, line),
    countLineJobs(deps.db, deps.queue.name, line),
  ]);
  return {
    group,
    state: state?.state ?? "active",
    ...counts,
    ...(state?.haltedJobId ? { haltedJobId: state.haltedJobId } : {}),
  };
}

/** The owner's groups that have jobs waiting or running, or a state; with `state`, only those in it. */
export async function listGroups(deps: GroupsDeps, ownerId: string, state?: GroupState): Promise<GroupView[]> {
  const [counts, states] = await Promise.all([
    ownerGroupCounts(deps.db, { queue: deps.queue.name, ownerId, limit: MAX_GROUPS_LISTED }),
    ownerLineStates(deps.db, { queue: deps.queue.name, ownerId }),
  ]);
  const byGroup = new Map(states.flatMap((s) => (s.group === undefined ? [] : [[s.group, s] as const])));
  const names = [...new Set([...counts.keys(), ...byGroup.keys()])].sort();
  const views = names.map((group): GroupView => {
    const s = byGroup.get(group);
    return {
      group,
      state: s?.state ?? "active",
      ...(counts.get(group) ?? { scheduled: 0, queued: 0, running: 0 }),
      ...(s?.haltedJobId ? { haltedJobId: s.haltedJobId } : {}),
    };
  });
  return views.filter((v) => state === undefined || v.state === state).slice(0, MAX_GROUPS_LISTED);
}

/** The running job finishes; no further job of the group starts until it is resumed. Submissions are still taken. */
export async function pauseGroup(deps: GroupsDeps, ownerId: string, group: string): Promise<GroupView> {
  const line = lineOfGroup(ownerId, group);
  // A halted group stays halted: its failed job is still to be dealt with.
  await stopLine(deps.db, { queue: deps.queue.name, line, ownerId, group, state: "paused", now: deps.now() });
  await deps.queue.stopLine(line).catch((err) => {
    throw queueUnavailable(err);
  });
  return groupView(deps, ownerId, group);
}

/**
 * Runs the group again. A halted one needs a choice for the job that halted it: retry (it runs again first, with its
 * seq and its original allowance of attempts) or skip (it stays failed and the next job runs); without one, 409.
 */
export async function resumeGroup(
  deps: GroupsDeps,
  ownerId: string,
  group: string,
  failedJob?: FailedJobChoice,
): Promise<GroupView> {
  const line = lineOfGroup(ownerId, group);
  const state = await findLineState(deps.db, deps.queue.name, line);
  if (!state) return groupView(deps, ownerId, group);
  if (state.state === "paused") {
    if (await clearLineState(deps.db, deps.queue.name, line, "paused")) {
      await deps.queue.resumeLine(line, { mode: "resume" }).catch((err) => {
        throw queueUnavailable(err);
      });
    }
    return groupView(deps, ownerId, group);
  }
  const jobId = state.haltedJobId as string;
  if (!failedJob) throw groupHalted(group, jobId);
  const job = failedJob === "retry" ? await retryHaltedJob(deps.db, jobId) : await releaseHaltedJob(deps.db, jobId);
  const failed = job ?? (await findJob(deps.db, jobId));
  if (job && failedJob === "retry") deps.announce(job);
  if (await clearLineState(deps.db, deps.queue.name, line, "halted")) {
    await deps.queue
      .resumeLine(
        line,
        failed?.seq !== undefined ? { mode: failedJob, failed: envelopeOf(failed) } : { mode: "resume" },
      )
      .catch((err) => {
        throw queueUnavailable(err);
      });
  }
  return groupView(deps, ownerId, group);
}

/** The halted job's envelope as its record gives it (Redis finds the one its line holds by id). */
function envelopeOf(job: JobDoc) {
  return {
    seq: job.seq as number,
    id: job._id,
    line: job.line as string,
    type: job.type,
    enqueuedAt: job.createdAt.getTime(),
    requestId: job.requestId,
  };
}
