// Turns a request body's bytes into a JSON value, refusing what would be stored wrongly or cost too much: any media
// type but application/json (415), bytes that are not UTF-8, text with lone surrogates, and nesting past
// MAX_BODY_DEPTH (422). Nesting is counted on the raw bytes, before JSON.parse and anything else that recurses.
import { errors } from "@lineup/errors";
import { walkJson } from "../services/shared";

/** Deeper than any body the API accepts (a job payload may nest 32 levels inside the body), yet far below the stack. */
export const MAX_BODY_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const invalid = (message: string) => errors.validation([{ path: "body", message }], "The body could not be parsed.");

/**
 * application/json, optionally with charset=utf-8. No `+json` types: the API documents none, and a body sent
 * without a type (a form post a browser makes without asking) is refused rather than guessed at.
 */
export function isJsonMediaType(header: string | null): boolean {
  const [type, ...params] = (header ?? "").split(";").map((part) => part.trim().toLowerCase());
  return type === "application/json" && params.every((p) => p === "" || /^charset=("?)utf-8\1$/.test(p));
}

/** Empty or whitespace only: no body at all, which the route's schema then judges. */
export function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
}

export function parseJsonBody(bytes: Uint8Array): unknown {
  if (nestingOf(bytes) > MAX_BODY_DEPTH) throw invalid(`Must nest at most ${MAX_BODY_DEPTH} levels deep`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("Body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("Body is not valid JSON");
  }
  const flaw = flawOf(value);
  if (flaw) throw invalid(flaw);
  return value;
}

/** The deepest nesting of brackets and braces outside strings; stops counting once past the limit. */
function nestingOf(bytes: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > MAX_BODY_DEPTH) return deepest;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/**
 * What JSON.parse accepts but cannot be kept as sent: "\ud800" becomes a string that is not Unicode (MongoDB and every
 * client would store or show garbage), and a number past a double's range (1e400) becomes Infinity, which is stored
 * as null.
 */
function flawOf(value: unknown): string | null {
  let flaw: string | null = null;
  walkJson(value, ({ value: v, key }) => {
    if ((typeof v === "string" && !v.isWellFormed()) || (key !== undefined && !key.isWellFormed())) {
      flaw = "Body has a \\u escape that is half of a character (a lone surrogate)";
    } else if (typeof v === "number" && !Number.isFinite(v)) {
      flaw = "Body has a number too large to store (beyond a double's range)";
    }
    return flaw === null;
  });
  return flaw;
}
