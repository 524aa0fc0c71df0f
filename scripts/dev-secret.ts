// The dev run's JWT secret: made once and kept in the data dir, so the api that `bun --watch` restarts on every save
// (and the next `bun run dev`) accepts the tokens it issued before.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SECRET_FILE = "jwt-secret";

/** The secret kept in `<dataDir>/jwt-secret` (owner-only, 0600), made from 48 random bytes the first time. */
export function keptJwtSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SECRET_FILE);
  const kept = readIfExists(file);
  if (kept !== undefined) chmodSync(file, 0o600);
  if (kept) {
    // The api would refuse it with a message that does not say where it came from.
    if (Buffer.byteLength(kept) < 32) throw new Error(`${file} holds fewer than 32 bytes; delete it to get a new one`);
    return kept;
  }
  const secret = randomBytes(48).toString("base64url");
  // The mode applies when the file is made; an empty file left by an interrupted run was made 0600 just above.
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
