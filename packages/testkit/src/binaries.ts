// Finds the server binaries the kit runs, or fails with the command that installs them.

export class MissingBinaryError extends Error {
  constructor(name: string, install: string) {
    super(`${name} is not installed. Install it with: ${install} (or run: bash scripts/setup.sh)`);
    this.name = "MissingBinaryError";
  }
}

export function findBinary(name: string): string | null {
  return Bun.which(name);
}

export function requireBinary(name: string, install: string): string {
  const path = findBinary(name);
  if (!path) throw new MissingBinaryError(name, install);
  return path;
}
