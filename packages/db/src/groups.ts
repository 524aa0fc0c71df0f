// Line states repository: a group its owner (or an admin) paused, or one a job's failure halted. No record means the
// line is active. MongoDB holds the truth; Redis's set of stopped lines follows it, and the reconciler restores it.
import type { Db } from "mongodb";

export const LINE_STATES = ["paused", "halted"] as const;
export type LineState = (typeof LINE_STATES)[number];

export type LineStateDoc = {
  /** `<queue>|<line>`: one record per line of a queue. */
  _id: string;
  queue: string;
  line: string;
  ownerId: string;
  /** The owner's group (absent for a user's default line). */
  group?: string;
  state: LineState;
  /** halted: the job whose failure halted the line; it is still the line's head. */
  haltedJobId?: string;
  since: Date;
};

export const lineStatesCollection = (db: Db) => db.collection<LineStateDoc>("line_states");

const idOf = (queue: string, line: string) => `${queue}|${line}`;

export async function ensureLineStateIndexes(db: Db): Promise<void> {
  const states = lineStatesCollection(db);
  await states.createIndex({ queue: 1, state: 1, since: 1 }, { name: "queue_state_since" });
  await states.createIndex({ ownerId: 1, group: 1 }, { name: "owner_group" });
}

/**
 * Records a line's state. A halt wins over a pause (the failed job must be dealt with); a pause leaves a halt as it
 * is. Returns the state on record after the write.
 */
export async function stopLine(
  db: Db,
  params: Omit<LineStateDoc, "_id" | "since"> & { now: Date },
): Promise<LineStateDoc> {
  const { now, ...fields } = params;
  const states = lineStatesCollection(db);
  const _id = idOf(params.queue, params.line);
  if (params.state === "halted") {
    return (await states.findOneAndReplace(
      { _id },
      { ...fields, since: now },
      { upsert: true, returnDocument: "after" },
    )) as LineStateDoc;
  }
  await states.updateOne({ _id }, { $setOnInsert: { ...fields, since: now } }, { upsert: true });
  return (await states.findOne({ _id })) as LineStateDoc;
}

/** The line's state on record, or null when it is active. */
export async function findLineState(db: Db, queue: string, line: string): Promise<LineStateDoc | null> {
  return lineStatesCollection(db).findOne({ _id: idOf(queue, line) });
}

/** The line is active again; false when it was not in `expected` (someone else resumed it first). */
export async function clearLineState(db: Db, queue: string, line: string, expected: LineState): Promise<boolean> {
  const res = await lineStatesCollection(db).deleteOne({ _id: idOf(queue, line), state: expected });
  return res.deletedCount === 1;
}

/** Every stopped line of a queue (the reconciler's source for Redis's stopped set). */
export async function stoppedLines(db: Db, queue: string): Promise<LineStateDoc[]> {
  return lineStatesCollection(db).find({ queue }).toArray();
}

/** The owner's stopped groups in a queue, optionally in one state. */
export async function ownerLineStates(
  db: Db,
  params: { queue: string; ownerId: string; state?: LineState },
): Promise<LineStateDoc[]> {
  return lineStatesCollection(db)
    .find({ queue: params.queue, ownerId: params.ownerId, ...(params.state ? { state: params.state } : {}) })
    .toArray();
}

/** How many lines are paused and halted, and since when the oldest halt has lasted (metrics). */
export async function lineStateCounts(
  db: Db,
  queue: string,
): Promise<{ paused: number; halted: number; oldestHaltSince: Date | null }> {
  const groups = await lineStatesCollection(db)
    .aggregate<{ _id: LineState; n: number; oldest: Date | null }>([
      { $match: { queue, state: { $in: ["paused", "halted"] } } },
      { $group: { _id: "$state", n: { $sum: 1 }, oldest: { $min: "$since" } } },
    ])
    .toArray();
  const of = (state: LineState) => groups.find((g) => g._id === state);
  return { paused: of("paused")?.n ?? 0, halted: of("halted")?.n ?? 0, oldestHaltSince: of("halted")?.oldest ?? null };
}
