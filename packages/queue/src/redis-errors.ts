// Which Redis failures mean "not now": the connection cannot carry the command (dropped, reconnecting, hung), or the
// server refuses it for a while (loading its data, out of memory, a cluster failing over). Callers retry those, or
// answer 503; anything else is a defect and surfaces as one.
import { ReplyError } from "ioredis";

// ioredis reports a connection that cannot carry a command with plain Errors and fixed messages, no code or class,
// so this file is the one place that reads them.
const CONNECTION_MESSAGES = [
  "Connection is closed.",
  "Stream isn't writeable",
  "Cluster isn't ready",
  "Cluster is ended.",
  "Failed to refresh slots cache",
  "Too many Cluster redirections",
  "Command timed out",
  "Socket timeout",
];
const CONNECTION_NAMES = new Set(["MaxRetriesPerRequestError", "ClusterAllFailedError"]);
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
// Error replies whose first word says the server cannot take the command now, but will.
const PASSING_REPLIES = new Set([
  "LOADING",
  "BUSY",
  "OOM",
  "TRYAGAIN",
  "CLUSTERDOWN",
  "MASTERDOWN",
  "READONLY",
  "NOREPLICAS",
]);

export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ReplyError) return PASSING_REPLIES.has(err.message.split(" ", 1)[0] ?? "");
  if (CONNECTION_NAMES.has(err.name)) return true;
  if (SOCKET_CODES.has((err as { code?: string }).code ?? "")) return true;
  return CONNECTION_MESSAGES.some((m) => err.message.startsWith(m));
}
