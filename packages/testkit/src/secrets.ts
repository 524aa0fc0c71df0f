// Finds log lines that carry something that must never be logged: a JWT, a bcrypt hash, the test kit's signing
// secret, or any of the given strings (passwords the test used).
import { TEST_JWT_SECRET } from "./spawn";

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
const BCRYPT = /\$2[aby]\$\d\d\$/;

export function linesWithSecrets(lines: string[], extra: string[] = []): string[] {
  return lines.filter(
    (line) =>
      JWT.test(line) || BCRYPT.test(line) || line.includes(TEST_JWT_SECRET) || extra.some((s) => line.includes(s)),
  );
}
