// What a log record is made of: its levels, its fields and the two output formats.
export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];
export type Fields = Record<string, unknown>;
export type Format = "json" | "pretty";
