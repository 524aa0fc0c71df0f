// Tests for the client address behind proxies: the rightmost address no trusted proxy wrote, never a client's pick.
import { describe, expect, it } from "bun:test";
import type { Server } from "bun";
import { clientAddressOf } from "./client-address";

/** A request as it reaches the api from `peer`, with the X-Forwarded-For the proxies (and the client) wrote. */
function from(peer: string, forwardedFor?: string): [Request, Server<unknown>] {
  const headers = forwardedFor === undefined ? undefined : { "x-forwarded-for": forwardedFor };
  const server = { requestIP: () => ({ address: peer, family: "IPv4", port: 1 }) } as unknown as Server<unknown>;
  return [new Request("http://localhost/v1/auth/login", { headers }), server];
}

describe("clientAddressOf", () => {
  it("uses the socket's peer and ignores X-Forwarded-For without TRUST_PROXY", () => {
    expect(clientAddressOf(false)(...from("203.0.113.9", "198.51.100.1"))).toBe("203.0.113.9");
  });

  it("takes the entry the nearest proxy wrote, not the leftmost one a client made up", () => {
    const address = clientAddressOf({ hops: 1 });
    expect(address(...from("10.0.0.2", "6.6.6.6, 198.51.100.7"))).toBe("198.51.100.7");
    expect(address(...from("10.0.0.2", "198.51.100.7"))).toBe("198.51.100.7");
    expect(address(...from("10.0.0.2"))).toBe("10.0.0.2");
  });

  it("walks back as many hops as there are proxies", () => {
    const address = clientAddressOf({ hops: 2 });
    expect(address(...from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1"))).toBe("198.51.100.7");
  });

  it("trusts only proxies at the listed addresses", () => {
    const address = clientAddressOf({ addresses: ["10.0.0.0/8", "loopback"] });
    expect(address(...from("10.0.0.2", "6.6.6.6, 198.51.100.7, 127.0.0.1"))).toBe("198.51.100.7");
    // A client reaching the api directly is not a proxy, whatever header it sends.
    expect(address(...from("203.0.113.9", "10.0.0.5"))).toBe("203.0.113.9");
  });
});
