// SSRF guard for `http` jobs: refuses targets whose resolved addresses are loopback, private, link-local or reserved.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { JobError } from "./types";

// [network, prefix length]; 240/4 is reserved and holds the broadcast address 255.255.255.255.
const REFUSED_V4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
}

function isRefusedV4(ip: string): boolean {
  const value = v4ToInt(ip);
  return REFUSED_V4.some(([network, bits]) => {
    const mask = (~0 << (32 - bits)) >>> 0;
    return (value & mask) >>> 0 === v4ToInt(network);
  });
}

/** The eight 16-bit groups of an IPv6 address already checked by isIP (zone id dropped, IPv4 tail folded in). */
function v6Groups(ip: string): number[] {
  let text = ip.split("%")[0] ?? "";
  if (text.includes(".")) {
    const cut = text.lastIndexOf(":") + 1;
    const v4 = v4ToInt(text.slice(cut));
    text = `${text.slice(0, cut)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(zeros).fill("0"), ...tailGroups].map((g) => Number.parseInt(g, 16));
}

function embeddedV4(groups: number[]): string {
  const [high = 0, low = 0] = groups.slice(6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

function isRefusedV6(ip: string): boolean {
  const g = v6Groups(ip);
  const first = g[0] ?? 0;
  const zeroUntil = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (old "compatible", which also covers :: and ::1) and 64:ff9b::/96 (NAT64)
  // all end up at an IPv4 host, so they are judged by the IPv4 rules.
  if ((zeroUntil(5) && g[5] === 0xffff) || zeroUntil(6)) return isRefusedV4(embeddedV4(g));
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isRefusedV4(embeddedV4(g));
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 old site-local, still private where it is used
    (first & 0xff00) === 0xff00 // ff00::/8 multicast
  );
}

/** True when `ip` must not be contacted. Anything that is not an IP address is refused too: fail closed. */
export function isRefusedAddress(ip: string): boolean {
  const version = isIP(ip);
  if (version === 4) return isRefusedV4(ip);
  if (version === 6) return isRefusedV6(ip);
  return true;
}

async function resolveHost(host: string): Promise<string[]> {
  try {
    const found = await lookup(host, { all: true });
    if (found.length > 0) return found.map((a) => a.address);
  } catch (err) {
    throw new JobError("dns_failed", `could not resolve ${host}`, { retryable: true, cause: err });
  }
  throw new JobError("dns_failed", `${host} has no addresses`, { retryable: true });
}

/**
 * Resolves `hostname` (a URL.hostname: a name, an IPv4 literal or a bracketed IPv6 literal) and returns the address to
 * connect to. Every address is checked, not just the one returned: a name that also points inside is not trusted.
 */
export async function resolveAllowed(hostname: string, allowPrivate: boolean): Promise<string> {
  const host = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const addresses = isIP(host) ? [host] : await resolveHost(host);
  const refused = allowPrivate ? undefined : addresses.find(isRefusedAddress);
  if (refused !== undefined) {
    throw new JobError("target_refused", `${host} resolves to a refused address (${refused})`, { retryable: false });
  }
  return addresses[0] ?? host;
}
