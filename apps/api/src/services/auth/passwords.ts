// Passwords: bcrypt through Bun.password (which pre-hashes past 72 bytes), every hash and verify through the hashing
// gate so bcrypt never takes the event loop's core. A password is hashed in Unicode NFC, so the same text typed on a
// keyboard that composes accents (NFC) and one that does not (NFD) is the same password.
import type { HashingGate, HashKind } from "./hashing-gate";

export type Passwords = ReturnType<typeof createPasswords>;

/** What a password is checked against: the stored hash and whether it is of the NFC form (absent: as typed). */
export type StoredPassword = { passwordHash: string; passwordForm?: "NFC" };

/** Whether the password matched, and whether its hash should be remade in NFC (an account hashed as typed). */
export type PasswordCheck = { ok: boolean; rehash: boolean };

/**
 * The texts to try against a hash. An NFC hash: the NFC form only. A hash made before passwords were normalised is of
 * the text as typed then, in whichever form that keyboard made: as typed now first, then its NFC and NFD forms where
 * they differ (never more than three; one for a password whose forms are all the same, as every ASCII one is).
 */
export function candidatesOf(password: string, stored: StoredPassword): string[] {
  const nfc = password.normalize("NFC");
  if (stored.passwordForm === "NFC") return [nfc];
  return [...new Set([password, nfc, password.normalize("NFD")])];
}

export function createPasswords(options: { cost: number; gate: HashingGate }) {
  // Made once per process, outside the gate (it is not a request's work).
  let nobodys: Promise<string> | undefined;
  const hashOf = (password: string) =>
    Bun.password.hash(password.normalize("NFC"), { algorithm: "bcrypt", cost: options.cost });
  const matches = (text: string, hash: string) =>
    options.gate.run("login", () => Bun.password.verify(text, hash, "bcrypt"));
  return {
    /** A hash of the password's NFC form (store it with passwordForm "NFC"). */
    hash: (password: string, kind: HashKind) => options.gate.run(kind, () => hashOf(password)),
    /**
     * Checks `password` against the stored hash; with none (an unknown email) against one nobody knows, so both
     * failures cost bcrypt time and look alike.
     */
    async check(password: string, stored: StoredPassword | undefined): Promise<PasswordCheck> {
      if (!stored) {
        nobodys ??= hashOf(crypto.randomUUID());
        await matches(password, await nobodys);
        return { ok: false, rehash: false };
      }
      for (const text of candidatesOf(password, stored)) {
        if (await matches(text, stored.passwordHash)) return { ok: true, rehash: stored.passwordForm !== "NFC" };
      }
      return { ok: false, rehash: false };
    },
  };
}
