// Admin work on any user's groups: the paused and halted ones across the queue, and pause or resume of one, audited.
// The group logic is the groups feature's own; here it is applied to a user the admin names.
import { countLineJobs, type Db, stoppedLines } from "@lineup/db";
import type { Queue } from "@lineup/queue";
import {
  type FailedJobChoice,
  type GroupState,
  type GroupsDeps,
  type GroupView,
  groupView,
  pauseGroup,
  resumeGroup,
} from "../groups";
import type { Actor, Audit } from "./audit";

export type AdminGroupsDeps = GroupsDeps & { db: Db; queue: Queue; audit: Audit };
export type AdminGroupView = GroupView & { ownerId: string; since?: string };

/** Every paused or halted group of the queue (optionally in one state), halted ones first, longest stopped first. */
export async function stoppedGroups(deps: AdminGroupsDeps, state?: Exclude<GroupState, "active">) {
  const lines = (await stoppedLines(deps.db, deps.queue.name))
    .filter((s) => s.group !== undefined && (state === undefined || s.state === state))
    .sort((a, b) => (a.state === b.state ? a.since.getTime() - b.since.getTime() : a.state === "halted" ? -1 : 1));
  const items: AdminGroupView[] = await Promise.all(
    lines.map(async (s) => ({
      ownerId: s.ownerId,
      group: s.group as string,
      state: s.state,
      ...(await countLineJobs(deps.db, deps.queue.name, s.line)),
      ...(s.haltedJobId ? { haltedJobId: s.haltedJobId } : {}),
      since: s.since.toISOString(),
    })),
  );
  return { items };
}

export async function adminGroup(deps: AdminGroupsDeps, ownerId: string, group: string): Promise<AdminGroupView> {
  return { ownerId, ...(await groupView(deps, ownerId, group)) };
}

export async function adminPauseGroup(deps: AdminGroupsDeps, actor: Actor, ownerId: string, group: string) {
  const view = await pauseGroup(deps, ownerId, group);
  await deps.audit.record(actor, "group.pause", { ownerId, group }, 0);
  return { ownerId, ...view };
}

export async function adminResumeGroup(
  deps: AdminGroupsDeps,
  actor: Actor,
  ownerId: string,
  group: string,
  failedJob?: FailedJobChoice,
) {
  const view = await resumeGroup(deps, ownerId, group, failedJob);
  await deps.audit.record(actor, "group.resume", { ownerId, group, ...(failedJob ? { failedJob } : {}) }, 0);
  return { ownerId, ...view };
}
