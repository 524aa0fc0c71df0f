// Log redaction: values under secret key names are replaced, at any depth, before a record is written; and secrets
// that show by their shape (a JWT, a webhook secret, a password in a URL) are cut out of any string, whatever its key.

/**
 * The key names whose values never reach a log line. A key matches when it equals one of these ignoring case, `-`
 * and `_` (so `JWT_SECRET`, `jwtSecret` and `jwt-secret` all match). Exact names, not substrings: `tokenType`,
 * `passwordChangedAt` and `expiresIn` are harmless and stay readable.
 */
export const SECRET_KEYS = [
  // Passwords, as the auth routes take them and as the users collection stores them.
  "password",
  "currentPassword",
  "newPassword",
  "passwordHash",
  "passphrase",
  // Signing secrets and tokens: the JWT secret, bearer tokens, METRICS_TOKEN.
  "secret",
  "jwtSecret",
  "clientSecret",
  "token",
  "accessToken",
  "refreshToken",
  "idToken",
  "metricsToken",
  "apiKey",
  "x-api-key",
  "privateKey",
  // HTTP headers that carry credentials (requests to the api, and an `http` job's headers).
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
] as const;

const REDACTED = "[redacted]";
/** Deeper values are replaced whole: a log line has no use for them, and nothing under them can leak. */
const MAX_DEPTH = 32;

const normalize = (key: string) => key.replace(/[-_]/g, "").toLowerCase();
const SECRET = new Set(SECRET_KEYS.map(normalize));

function isSecretKey(key: string): boolean {
  return SECRET.has(normalize(key));
}

/** A copy of value that JSON.stringify can write: secrets redacted, cycles cut, depth capped, bigints as strings. */
export function redact(value: unknown): unknown {
  return walk(value, 0, new Set());
}

/** Secrets recognisable by their shape wherever they appear: in a message, an error, a URL, a header value. */
const SHAPES: [RegExp, string][] = [
  // A JWT: a base64url JSON header ({"...) and two more segments.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // A Standard Webhooks signing secret.
  [/\bwhsec_[A-Za-z0-9+/=_-]{8,}/g, REDACTED],
  // The password of a URL's userinfo (redis://user:pass@host, mongodb://user:pass@host): the user stays readable.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, `$1:${REDACTED}@`],
];

export function redactText(text: string): string {
  let out = text;
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out;
}

function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (ancestors.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  // Dates, ObjectIds and Buffers say what they are through toJSON; their own keys say nothing.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const json = toJSON.call(value);
    if (json !== value) return walk(json, depth + 1, ancestors);
  }
  // Only the path from the root counts as a cycle: the same object twice side by side is written twice.
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, ancestors));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : walk(v, depth + 1, ancestors);
    return out;
  } finally {
    ancestors.delete(value);
  }
}
