import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keptJwtSecret, SECRET_FILE } from "./dev-secret";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lineup-dev-secret-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("keptJwtSecret", () => {
  it("makes a 48-byte base64url secret once, in a file only its owner can read", () => {
    const first = keptJwtSecret(join(dir, "data"));
    expect(first).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(modeOf(join(dir, "data", SECRET_FILE))).toBe(0o600);
    expect(keptJwtSecret(join(dir, "data"))).toBe(first);
  });

  it("closes up a kept secret whose file others could read", () => {
    const file = join(dir, SECRET_FILE);
    writeFileSync(file, `${"k".repeat(40)}\n`);
    chmodSync(file, 0o644);
    expect(keptJwtSecret(dir)).toBe("k".repeat(40));
    expect(modeOf(file)).toBe(0o600);
  });

  it("makes a new secret in place of an empty file", () => {
    writeFileSync(join(dir, SECRET_FILE), "");
    expect(keptJwtSecret(dir)).toHaveLength(64);
  });

  it("refuses a kept secret shorter than 32 bytes, naming the file", () => {
    writeFileSync(join(dir, SECRET_FILE), "short");
    expect(() => keptJwtSecret(dir)).toThrow(join(dir, SECRET_FILE));
  });
});
