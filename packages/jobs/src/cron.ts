// Cron expressions of schedules: 5 fields (minute first) or 6 (seconds first), read in an IANA time zone by croner, so
// ticks follow the zone's wall clock through daylight-saving changes. Shared by the api (it checks an expression and
// says when it first fires) and the worker (it fires ticks and finds the next one).
import { Cron } from "croner";

export class CronError extends Error {
  constructor(
    readonly field: "cron" | "timezone",
    message: string,
  ) {
    super(message);
    this.name = "CronError";
  }
}

export type CronSchedule = {
  /** The first tick strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
  /** The latest tick at or before `at`, no earlier than `notBefore`; null when none falls between them. */
  latest(at: Date, notBefore: Date): Date | null;
};

/** Whether `zone` names an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Reads an expression in a zone; throws CronError naming the field at fault. */
export function parseCron(expression: string, timezone: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new CronError("cron", "Must have 5 fields (minute hour day month weekday) or 6 (seconds first)");
  }
  if (!isTimeZone(timezone)) throw new CronError("timezone", "Must be an IANA time zone, e.g. Europe/Berlin or UTC");
  let cron: Cron;
  try {
    cron = new Cron(fields.join(" "), { timezone, paused: true });
  } catch (err) {
    throw new CronError("cron", `Not a cron expression: ${(err as Error).message.replace(/^CronPattern: /, "")}`);
  }
  const schedule: CronSchedule = {
    next: (after) => cron.nextRun(after) ?? null,
    latest(at, notBefore) {
      const [previous] = cron.previousRuns(1, new Date(at.getTime() + 1));
      if (previous && previous.getTime() >= notBefore.getTime()) return previous;
      return null;
    },
  };
  if (!schedule.next(new Date())) throw new CronError("cron", "Never fires (no date matches it)");
  return schedule;
}
