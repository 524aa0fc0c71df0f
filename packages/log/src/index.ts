// Structured logging: one JSON line per event on stdout (or a human-readable line with LOG_FORMAT=pretty), secrets
// redacted by key name in either format.
import { type Fields, type Format, LEVELS, type Level } from "./levels";
import { formatPretty } from "./pretty";
import { redact } from "./redact";

export { type Fields, type Format, LEVELS, type Level } from "./levels";

export type LoggerOptions = {
  level?: Level;
  base?: Fields;
  /** json (the default: what production and the tests read) or pretty (the dev run). */
  format?: Format;
  /** Colours in the pretty format; by default when writing to a terminal. */
  color?: boolean;
  write?: (line: string) => void;
};

export type Logger = {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS.indexOf(options.level ?? "info");
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const base = options.base ?? {};
  const color = options.color ?? (!options.write && process.stdout.isTTY === true);
  const emit = (level: Level, msg: string, fields?: Fields) => {
    if (LEVELS.indexOf(level) < min) return;
    const record = redact({ time: new Date().toISOString(), level, msg, ...base, ...fields }) as Fields;
    write(options.format === "pretty" ? formatPretty(record, color) : `${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ write: () => {} });
