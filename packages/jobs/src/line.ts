// A job's line: the jobs it runs in strict seq order with, one at a time. Lines run in parallel.
// A job names its owner's `group`, or goes to the queue's default line: one for the whole queue
// (DEFAULT_GROUP=queue, a global FIFO) or one per user (DEFAULT_GROUP=user). Groups are private to their owner.

export const GROUP_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const DEFAULT_GROUPS = ["queue", "user"] as const;
export type DefaultGroup = (typeof DEFAULT_GROUPS)[number];

/** The line of every job without a group under DEFAULT_GROUP=queue (and of records older than groups). */
export const QUEUE_LINE = "q";

const LINE_PATTERN = /^(q|u:[A-Za-z0-9_-]{1,64}|g:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9._:-]{1,128})$/;

export function lineOf(ownerId: string, group: string | undefined, defaultGroup: DefaultGroup): string {
  if (group !== undefined) return `g:${ownerId}:${group}`;
  return defaultGroup === "user" ? `u:${ownerId}` : QUEUE_LINE;
}

/** Line ids become part of a Redis key: only the shapes lineOf makes are accepted. */
export function isLineId(value: unknown): value is string {
  return typeof value === "string" && LINE_PATTERN.test(value);
}
