// The human-readable log format for the dev run (LOG_FORMAT=pretty): one line per event, a stack below it.
import type { Fields, Level } from "./levels";

const LEVEL_COLORS: Record<Level, string> = { debug: "90", info: "32", warn: "33", error: "31" };
const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

/** `12:04:05.123 INFO  api request method=GET route=/v1/jobs status=200` from an already redacted record. */
export function formatPretty(record: Fields, color: boolean): string {
  const { time, level, msg, service, ...fields } = record;
  const stacks: string[] = [];
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    let shown = value;
    if (isErrorLike(value)) {
      const { stack, ...rest } = value;
      stacks.push(stack);
      shown = rest;
    }
    pairs.push(`${paint(color, "2", `${key}=`)}${show(shown)}`);
  }
  const head = [
    paint(color, "2", clock(typeof time === "string" ? new Date(time) : new Date())),
    paint(color, LEVEL_COLORS[level as Level] ?? "0", String(level).toUpperCase().padEnd(5)),
    ...(service === undefined ? [] : [paint(color, "36", String(service))]),
    String(msg),
    ...pairs,
  ].join(" ");
  const tail = stacks.map((s) => `\n${paint(color, "2", s.replace(/^/gm, "    "))}`).join("");
  return `${head}${tail}\n`;
}

/** Local wall-clock time to the millisecond: a dev reads it against the clock on the wall, not UTC. */
function clock(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, "0")}`;
}

/** Bare when it reads unambiguously (no space, quote or =), else as JSON. */
function show(value: unknown): string {
  if (typeof value === "string" && /^[^\s"=]+$/.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}

function isErrorLike(value: unknown): value is Fields & { stack: string } {
  return typeof value === "object" && value !== null && typeof (value as { stack?: unknown }).stack === "string";
}
