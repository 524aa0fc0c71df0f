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

export function createTokens(options: { secret: string; issuer: string; ttlSeconds: number }): Tokens {
  // The plugin's decorator is the signer; built once here and passed around as a plain dependency. Given the
  // secret as bytes, jose imports it as a key on every sign and verify; imported once here, no request pays that.
  const signing = crypto.subtle
    .importKey("raw", new TextEncoder().encode(options.secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ])
    .then((key) => jwt({ name: "jwt", secret: key, alg: "HS256", iss: options.issuer }).decorator.jwt);
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
      return { sub, role, jti, iat: Number(iat), exp: Number(exp), gen: typeof gen === "number" ? gen : 0 };
    },
  };
}
