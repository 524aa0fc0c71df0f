// Tests for the SSRF guard: which addresses are refused, and how host names are resolved and judged.
import { afterEach, describe, expect, it, mock, spyOn } from "bun:test";
import * as dns from "node:dns/promises";
import { GuardError, isRefusedAddress, resolveAllowed } from "./guard";

const refused = [
  "127.0.0.1",
  "127.255.255.254",
  "10.0.0.1",
  "172.16.0.1",
  "172.31.255.255",
  "192.168.1.1",
  "169.254.169.254",
  "100.64.0.1",
  "100.127.255.255",
  "0.0.0.0",
  "0.1.2.3",
  "224.0.0.1",
  "239.255.255.250",
  "255.255.255.255",
  "::",
  "::1",
  "::ffff:127.0.0.1",
  "::ffff:7f00:1",
  "::ffff:10.0.0.1",
  "::ffff:169.254.169.254",
  "64:ff9b::a9fe:a9fe",
  "64:ff9b::7f00:1",
  "fc00::1",
  "fd12:3456::1",
  "fe80::1",
  "fe80::1%eth0",
  "febf::1",
  "fec0::1",
  "ff02::1",
  "not-an-ip",
  "",
];

// Loopback and metadata in translation forms, and the reserved ranges: none is global unicast.
const refusedSinceRoundTwo = [
  "2002:7f00:1::", // 6to4 of 127.0.0.1
  "2002:a9fe:a9fe::", // 6to4 of 169.254.169.254
  "2002:a00:1::1", // 6to4 of 10.0.0.1
  "64:ff9b:1::7f00:1", // local-use NAT64 prefix (RFC 8215)
  "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
  "198.18.0.1", // benchmarking, 198.18.0.0/15
  "198.19.255.254",
  "192.0.2.1", // TEST-NET-1
  "198.51.100.1", // TEST-NET-2
  "203.0.113.7", // TEST-NET-3
  "192.0.0.1", // IETF protocol assignments, 192.0.0.0/24
  "192.0.0.170",
  "192.88.99.1", // the old 6to4 relay anycast
  "2001:db8::1", // IPv6 documentation
  "100::1", // IPv6 discard
  "::2", // outside 2000::/3, not global unicast
  "fd00:ec2::254", // AWS metadata over IPv6
];

const allowed = [
  "8.8.8.8",
  "1.1.1.1",
  "172.15.0.1",
  "172.32.0.1",
  "100.63.255.255",
  "100.128.0.1",
  "192.169.0.1",
  "169.253.0.1",
  "11.0.0.1",
  "126.255.255.255",
  "128.0.0.1",
  "223.255.255.255",
  "2606:4700::1",
  "2001:4860:4860::8888",
  "::ffff:8.8.8.8",
  "64:ff9b::808:808", // NAT64 of 8.8.8.8: a DNS64 network reaches public IPv4 hosts this way
];

describe("isRefusedAddress", () => {
  it.each(refused)("refuses %p", (ip) => {
    expect(isRefusedAddress(ip)).toBe(true);
  });

  it.each(refusedSinceRoundTwo)("refuses %p, which is not global unicast", (ip) => {
    expect(isRefusedAddress(ip)).toBe(true);
  });

  it.each(allowed)("allows %p", (ip) => {
    expect(isRefusedAddress(ip)).toBe(false);
  });
});

describe("isRefusedAddress with HTTP_JOB_ALLOWED_NETWORKS", () => {
  it("opens the listed networks and nothing else", () => {
    const networks = ["127.0.0.0/8", "10.20.0.0/16", "fd12:3456::/32"];
    for (const ip of ["127.0.0.1", "::ffff:127.0.0.1", "10.20.3.4", "fd12:3456::1"]) {
      expect(isRefusedAddress(ip, networks)).toBe(false);
    }
    for (const ip of ["10.21.0.1", "192.168.1.1", "::1", "fd12:3457::1"]) {
      expect(isRefusedAddress(ip, networks)).toBe(true);
    }
  });

  it("keeps metadata and link-local refused under a broader network, in every form", () => {
    const everything = ["0.0.0.0/0", "::/0"];
    expect(isRefusedAddress("10.0.0.1", everything)).toBe(false);
    for (const ip of [
      "169.254.169.254",
      "169.254.0.1",
      "::ffff:169.254.169.254",
      "64:ff9b::a9fe:a9fe",
      "fe80::1",
      "fd00:ec2::254",
      "100.100.100.200",
      "168.63.129.16",
    ]) {
      expect(isRefusedAddress(ip, everything)).toBe(true);
    }
  });

  it("opens a metadata address only when it is listed on its own", () => {
    expect(isRefusedAddress("169.254.169.254", ["169.254.169.254/32"])).toBe(false);
    expect(isRefusedAddress("169.254.169.253", ["169.254.169.254/32"])).toBe(true);
    expect(isRefusedAddress("169.254.1.1", ["169.254.0.0/16"])).toBe(false);
    expect(isRefusedAddress("169.254.1.1", ["169.0.0.0/8"])).toBe(true);
  });
});

describe("resolveAllowed", () => {
  afterEach(() => {
    mock.restore();
  });

  function fakeLookup(...addresses: string[]) {
    return spyOn(dns, "lookup").mockImplementation((async () =>
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))) as never);
  }

  async function failure(promise: Promise<unknown>): Promise<GuardError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GuardError);
    return err as GuardError;
  }

  it("returns an allowed IP literal without resolving it", async () => {
    const lookup = fakeLookup();
    expect(await resolveAllowed("8.8.8.8")).toBe("8.8.8.8");
    expect(await resolveAllowed("[2606:4700::1]")).toBe("2606:4700::1");
    expect(lookup).not.toHaveBeenCalled();
  });

  it("refuses a private IP literal, bracketed IPv6 included, without retry", async () => {
    for (const host of ["127.0.0.1", "[::1]", "[::ffff:7f00:1]", "10.1.2.3"]) {
      const err = await failure(resolveAllowed(host));
      expect(err.code).toBe("target_refused");
      expect(err.retryable).toBe(false);
    }
  });

  it("lets addresses of the operator's allowed networks through", async () => {
    expect(await resolveAllowed("127.0.0.1", ["127.0.0.0/8"])).toBe("127.0.0.1");
    fakeLookup("10.0.0.5");
    expect(await resolveAllowed("inside.test", ["10.0.0.0/24"])).toBe("10.0.0.5");
    const err = await failure(resolveAllowed("inside.test", ["10.0.1.0/24"]));
    expect(err.code).toBe("target_refused");
  });

  it("returns the first resolved address of a public name", async () => {
    const lookup = fakeLookup("8.8.8.8", "2001:4860:4860::8888");
    expect(await resolveAllowed("public.test")).toBe("8.8.8.8");
    expect(lookup).toHaveBeenCalledWith("public.test", { all: true });
  });

  it("refuses a name if any of its addresses is refused", async () => {
    fakeLookup("8.8.8.8", "10.0.0.1");
    const err = await failure(resolveAllowed("mixed.test"));
    expect(err.code).toBe("target_refused");
    expect(err.retryable).toBe(false);
  });

  it("refuses localhost by its resolved address", async () => {
    const err = await failure(resolveAllowed("localhost"));
    expect(err.code).toBe("target_refused");
  });

  it("reports a failed lookup as a retryable dns_failed", async () => {
    spyOn(dns, "lookup").mockImplementation((async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    }) as never);
    const err = await failure(resolveAllowed("missing.test"));
    expect(err.code).toBe("dns_failed");
    expect(err.retryable).toBe(true);
  });

  it("reports a lookup with no addresses as dns_failed", async () => {
    fakeLookup();
    const err = await failure(resolveAllowed("empty.test"));
    expect(err.code).toBe("dns_failed");
  });
});
