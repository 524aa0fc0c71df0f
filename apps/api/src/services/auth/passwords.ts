// Passwords: bcrypt through Bun.password (which pre-hashes past 72 bytes), every hash and verify through the hashing
// gate so bcrypt never takes the event loop's core.
import type { HashingGate, HashKind } from "./hashing-gate";

export type Passwords = ReturnType<typeof createPasswords>;

export function createPasswords(options: { cost: number; gate: HashingGate }) {
  // Made once per process, outside the gate (it is not a request's work).
  let nobodys: Promise<string> | undefined;
  const hashOf = (password: string) => Bun.password.hash(password, { algorithm: "bcrypt", cost: options.cost });
  return {
    hash: (password: string, kind: HashKind) => options.gate.run(kind, () => hashOf(password)),
    /**
     * Checks `password` against `hash`; with no hash (an unknown email) against one nobody knows, so both failures
     * cost the same bcrypt time and look alike.
     */
    async verify(password: string, hash: string | undefined): Promise<boolean> {
      nobodys ??= hashOf(crypto.randomUUID());
      const against = hash ?? (await nobodys);
      const ok = await options.gate.run("login", () => Bun.password.verify(password, against, "bcrypt"));
      return ok && hash !== undefined;
    },
  };
}
