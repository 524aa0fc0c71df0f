// Access tokens: HS256 JWTs signed and verified through @elysiajs/jwt, with exp, iss, sub, role, jti and gen
// (the user's token generation: changing the password moves it on, which retires every older token).
import { jwt } from "@elysiajs/jwt";
import type { Role } from "@lineup/db";

export type Claims = { sub: string; role: Role; jti: string; iat: number; exp: number; gen: number };

export type IssuedToken = { accessToken: string; expiresIn: number };

export type Tokens = {
  issue(user: { id: string; role: Role; gen: number }): Promise<IssuedToken>;
  /** The token's claims, or null for anything not signed by us with HS256 and unexpired. */
  verify(token: string): Promise<Claims | null>;
};

// Tokens verified once are remembered until they expire: a client sends the same token with every request, and each
// signature check and claims parse costs 60 to 80 µs of CPU. Only the exact string that passed is remembered, so a
// forgery can never hit; the oldest is forgotten first past this many. Revocation is still checked on every request.
const REMEMBERED_TOKENS = 10_000;

export function createTokens(options: { secret: string; issuer: string; ttlSeconds: number }): Tokens {
  // The plugin's decorator is the signer; built once here and passed around as a plain dependency. Given the
  // secret as bytes, jose imports it as a key on every sign and verify; imported once here, no request pays that.
  const signing = crypto.subtle
    .importKey("raw", new TextEncoder().encode(options.secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ])
    .then((key) => jwt({ name: "jwt", secret: key, alg: "HS256", iss: options.issuer }).decorator.jwt);
  const verified = new Map<string, Claims>();

  /** The token's claims, checked by its signature, issuer, algorithm and required claims; null if any fails. */
  async function check(token: string): Promise<Claims | null> {
    const signer = await signing;
    const payload = await signer.verify(token, {
      // Pinning the algorithm refuses `alg: none` and every other algorithm a key could be abused with.
      algorithms: ["HS256"],
      issuer: options.issuer,
      requiredClaims: ["exp", "sub", "jti", "iat"],
    });
    if (!payload) return null;
    const { sub, role, jti, iat, exp, gen } = payload;
    if (typeof sub !== "string" || (role !== "user" && role !== "admin") || typeof jti !== "string") return null;
    return Object.freeze({
      sub,
      role,
      jti,
      iat: Number(iat),
      exp: Number(exp),
      gen: typeof gen === "number" ? gen : 0,
    });
  }

  return {
    async issue(user) {
      const signer = await signing;
      const accessToken = await signer.sign({
        sub: user.id,
        role: user.role,
        gen: user.gen,
        jti: crypto.randomUUID(),
        exp: `${options.ttlSeconds}s`,
      });
      return { accessToken, expiresIn: options.ttlSeconds };
    },
    async verify(token) {
      const known = verified.get(token);
      // Expired as the signer judges it: at exp (seconds), not a moment after.
      if (known && known.exp * 1000 > Date.now()) return known;
      if (known) verified.delete(token);
      const claims = await check(token);
      if (!claims) return null;
      if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value as string);
      verified.set(token, claims);
      return claims;
    },
  };
}
