import { describe, expect, it } from "bun:test";
import { CronError, parseCron } from "./cron";

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Every tick from `from` (exclusive) up to `to`. */
function ticks(expression: string, zone: string, from: string, to: string): string[] {
  const cron = parseCron(expression, zone);
  const out: string[] = [];
  for (let t = cron.next(new Date(from)); t && t < new Date(to); t = cron.next(t)) out.push(t.toISOString());
  return out;
}

describe("cron schedules", () => {
  it("fires 02:30 Europe/Berlin once a day through the spring-forward day, at 03:00 when 02:30 does not exist", () => {
    // 2027-03-28: clocks go from 02:00 CET to 03:00 CEST; there is no 02:30 that night.
    expect(ticks("30 2 * * *", "Europe/Berlin", "2027-03-26T12:00:00Z", "2027-03-30T12:00:00Z")).toEqual([
      "2027-03-27T01:30:00.000Z", // 02:30 CET
      "2027-03-28T01:00:00.000Z", // 03:00 CEST, the first minute after the gap
      "2027-03-29T00:30:00.000Z", // 02:30 CEST
      "2027-03-30T00:30:00.000Z",
    ]);
  });

  it("fires 02:30 Europe/Berlin once on the fall-back day, at the first of the two 02:30s", () => {
    // 2027-10-31: clocks go from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
    expect(ticks("30 2 * * *", "Europe/Berlin", "2027-10-29T12:00:00Z", "2027-11-01T12:00:00Z")).toEqual([
      "2027-10-30T00:30:00.000Z", // 02:30 CEST
      "2027-10-31T00:30:00.000Z", // 02:30 CEST, the first of the two; not again at 01:30Z (02:30 CET)
      "2027-11-01T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("takes 6 fields with seconds first, and finds the latest tick at or before a time", () => {
    const cron = parseCron("*/10 * * * * *", "UTC");
    expect(iso(cron.next(new Date("2027-01-01T00:00:05Z")))).toBe("2027-01-01T00:00:10.000Z");
    expect(iso(cron.latest(new Date("2027-01-01T00:00:35Z"), new Date("2027-01-01T00:00:00Z")))).toBe(
      "2027-01-01T00:00:30.000Z",
    );
    expect(iso(cron.latest(new Date("2027-01-01T00:00:30Z"), new Date("2027-01-01T00:00:00Z")))).toBe(
      "2027-01-01T00:00:30.000Z",
    );
    // None between the bounds.
    expect(cron.latest(new Date("2027-01-01T00:00:35Z"), new Date("2027-01-01T00:00:31Z"))).toBeNull();
  });

  it("refuses what is not a 5- or 6-field expression, an unknown zone, and one that never fires, naming the field", () => {
    const refused = (expression: string, zone = "UTC") => {
      try {
        parseCron(expression, zone);
        return null;
      } catch (err) {
        return err instanceof CronError ? err.field : "other";
      }
    };
    expect(refused("* * * *")).toBe("cron");
    expect(refused("0 0 0 1 1 * 2030")).toBe("cron");
    expect(refused("61 * * * *")).toBe("cron");
    expect(refused("not a cron")).toBe("cron");
    expect(refused("0 0 30 2 *")).toBe("cron");
    expect(refused("* * * * *", "Mars/Olympus")).toBe("timezone");
    expect(refused("* * * * *", "Europe/Berlin")).toBeNull();
  });
});
