// SSRF guard for `http` jobs and webhooks: a target must resolve to global unicast addresses only, or to networks the
// operator listed (HTTP_JOB_ALLOWED_NETWORKS). Ranges come from ipaddr.js, a maintained classification of the IANA
// registries.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Why a target may not be reached: `target_refused` (it resolves to a refused address: final) or `dns_failed` (its
 * name did not resolve: may mend; `notFound` when the name has no address at all, rather than a lookup that failed).
 */
export class GuardError extends Error {
  readonly code: "target_refused" | "dns_failed";
  readonly retryable: boolean;
  readonly notFound: boolean;
  constructor(code: GuardError["code"], message: string, options: { notFound?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "GuardError";
    this.code = code;
    this.retryable = code === "dns_failed";
    this.notFound = options.notFound ?? false;
  }
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Network = [Address, number];

// IPv6 global unicast is allocated from 2000::/3 (RFC 4291); anything else ipaddr.js calls "unicast" is not global.
const GLOBAL_V6 = ipaddr.parseCIDR("2000::/3");
// The NAT64 well-known prefix (RFC 6052): its addresses reach the IPv4 host in their last 32 bits, so that host is
// judged. Every other translation form (6to4, Teredo, the local-use NAT64 prefix 64:ff9b:1::/48) embeds its IPv4
// host where a guard cannot be sure to find it, and is refused as not global unicast.
const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");
// Cloud metadata and link-local: refused even when a broader allowed network covers them; only an allowed network
// inside one of these ranges (listed on purpose, e.g. 169.254.169.254/32) opens it.
const GUARDED: Network[] = [
  "169.254.0.0/16", // link-local, with the metadata service of AWS, GCP, Azure, OpenStack, ... at 169.254.169.254
  "fe80::/10", // IPv6 link-local
  "fd00:ec2::254/128", // AWS metadata over IPv6
  "100.100.100.200/32", // Alibaba Cloud metadata
  "168.63.129.16/32", // Azure's platform endpoint (a public address only Azure hosts reach)
].map((cidr) => ipaddr.parseCIDR(cidr));

function within(address: Address, [network, bits]: Network): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

/** An allowed network lies inside the guarded range when it is at least as narrow and starts within it. */
function inside(network: Network, guarded: Network): boolean {
  return network[1] >= guarded[1] && within(network[0], guarded);
}

/** The address a packet really goes to: IPv4-mapped and NAT64 addresses are judged as the IPv4 host they carry. */
function destination(address: Address): Address {
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
    if (within(v6, NAT64_WELL_KNOWN)) return ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  return address;
}

function isGlobalUnicast(address: Address): boolean {
  if (address.range() !== "unicast") return false;
  return address.kind() === "ipv4" || within(address, GLOBAL_V6);
}

/**
 * True when `ip` must not be contacted. `allowedNetworks` are the operator's CIDRs (HTTP_JOB_ALLOWED_NETWORKS, checked
 * by the config schema). Anything that is not an IP address is refused too: fail closed.
 */
export function isRefusedAddress(ip: string, allowedNetworks: readonly string[] = []): boolean {
  if (!isIP(ip)) return true;
  const allowed = allowedNetworks.map((cidr) => ipaddr.parseCIDR(cidr));
  const address = destination(ipaddr.parse(ip.split("%")[0] ?? ""));
  const guarded = GUARDED.find((range) => within(address, range));
  if (guarded) return !allowed.some((network) => inside(network, guarded) && within(address, network));
  return !isGlobalUnicast(address) && !allowed.some((network) => within(address, network));
}

async function resolveHost(host: string): Promise<string[]> {
  try {
    const found = await lookup(host, { all: true });
    if (found.length > 0) return found.map((a) => a.address);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const notFound = code === "ENOTFOUND" || code === "ENODATA";
    throw new GuardError("dns_failed", `could not resolve ${host}`, { notFound, cause: err });
  }
  throw new GuardError("dns_failed", `${host} has no addresses`, { notFound: true });
}

/**
 * Resolves `hostname` (a URL.hostname: a name, an IPv4 literal or a bracketed IPv6 literal) and returns the address to
 * connect to. Every address is checked, not just the one returned: a name that also points inside is not trusted.
 */
export async function resolveAllowed(hostname: string, allowedNetworks: readonly string[] = []): Promise<string> {
  const host = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const addresses = isIP(host) ? [host] : await resolveHost(host);
  const refused = addresses.find((address) => isRefusedAddress(address, allowedNetworks));
  if (refused !== undefined) {
    throw new GuardError("target_refused", `${host} resolves to a refused address (${refused})`);
  }
  return addresses[0] ?? host;
}
