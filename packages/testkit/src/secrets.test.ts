import { describe, expect, it } from "bun:test";
import { linesWithSecrets } from "./secrets";

describe("linesWithSecrets", () => {
  it("flags JWTs, bcrypt hashes, the signing secret and given strings, and nothing else", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
    const lines = [
      `{"msg":"request","route":"/v1/jobs"}`,
      `{"authorization":"Bearer ${jwt}"}`,
      `{"hash":"$2b$12$abcdefghijklmnopqrstuv"}`,
      `{"secret":"test-secret-that-is-at-least-32-bytes-long"}`,
      `{"body":{"password":"hunter22!"}}`,
    ];
    expect(linesWithSecrets(lines, ["hunter22!"])).toEqual(lines.slice(1));
  });
});
