// The client's address for per-address limits. Without TRUST_PROXY it is the socket's peer. Behind proxies it is the
// rightmost X-Forwarded-For entry that no trusted proxy wrote (proxy-addr, as Express does it): every proxy appends
// the address it got the request from, so entries left of the nearest untrusted one are whatever the client made up.
// Without a socket (in-process tests) the peer is "unknown".
import type { TrustProxy } from "@lineup/config";
import type { Server } from "bun";
import proxyAddr from "proxy-addr";

export type ClientAddress = (request: Request, server: Server<unknown> | null | undefined) => string;

export function clientAddressOf(trust: TrustProxy): ClientAddress {
  const peer = (request: Request, server: Server<unknown> | null | undefined) =>
    server?.requestIP(request)?.address ?? "unknown";
  if (trust === false) return peer;
  const trusted =
    "hops" in trust ? (_address: string, hop: number) => hop < trust.hops : proxyAddr.compile([...trust.addresses]);
  return (request, server) => {
    // proxy-addr reads a Node request; these two fields are all it looks at.
    const nodeLike = {
      headers: { "x-forwarded-for": request.headers.get("x-forwarded-for") ?? "" },
      socket: { remoteAddress: peer(request, server) },
    };
    return proxyAddr(nodeLike as unknown as Parameters<typeof proxyAddr>[0], trusted) ?? "unknown";
  };
}
