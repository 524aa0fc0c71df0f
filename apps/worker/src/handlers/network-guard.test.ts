// Tests for the SSRF guard: which addresses are refused, and how host names are resolved and judged.
import { afterEach, describe, expect, it, mock, spyOn } from "bun:test";
import * as dns from "node:dns/promises";
import { isRefusedAddress, resolveAllowed } from "./network-guard";
import { JobError } from "./types";

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
  "fbff::1",
];

describe("isRefusedAddress", () => {
  it.each(refused)("refuses %p", (ip) => {
    expect(isRefusedAddress(ip)).toBe(true);
  });

  it.each(allowed)("allows %p", (ip) => {
    expect(isRefusedAddress(ip)).toBe(false);
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

  async function failure(promise: Promise<unknown>): Promise<JobError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JobError);
    return err as JobError;
  }

  it("returns an allowed IP literal without resolving it", async () => {
    const lookup = fakeLookup();
    expect(await resolveAllowed("8.8.8.8", false)).toBe("8.8.8.8");
    expect(await resolveAllowed("[2606:4700::1]", false)).toBe("2606:4700::1");
    expect(lookup).not.toHaveBeenCalled();
  });

  it("refuses a private IP literal, bracketed IPv6 included, without retry", async () => {
    for (const host of ["127.0.0.1", "[::1]", "[::ffff:7f00:1]", "10.1.2.3"]) {
      const err = await failure(resolveAllowed(host, false));
      expect(err.code).toBe("target_refused");
      expect(err.retryable).toBe(false);
    }
  });

  it("lets private addresses through when the operator allows them", async () => {
    expect(await resolveAllowed("127.0.0.1", true)).toBe("127.0.0.1");
    fakeLookup("10.0.0.5");
    expect(await resolveAllowed("inside.test", true)).toBe("10.0.0.5");
  });

  it("returns the first resolved address of a public name", async () => {
    const lookup = fakeLookup("203.0.113.7", "2001:db8::7");
    expect(await resolveAllowed("public.test", false)).toBe("203.0.113.7");
    expect(lookup).toHaveBeenCalledWith("public.test", { all: true });
  });

  it("refuses a name if any of its addresses is refused", async () => {
    fakeLookup("203.0.113.7", "10.0.0.1");
    const err = await failure(resolveAllowed("mixed.test", false));
    expect(err.code).toBe("target_refused");
    expect(err.retryable).toBe(false);
  });

  it("refuses localhost by its resolved address", async () => {
    const err = await failure(resolveAllowed("localhost", false));
    expect(err.code).toBe("target_refused");
  });

  it("reports a failed lookup as a retryable dns_failed", async () => {
    spyOn(dns, "lookup").mockImplementation((async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    }) as never);
    const err = await failure(resolveAllowed("missing.test", false));
    expect(err.code).toBe("dns_failed");
    expect(err.retryable).toBe(true);
  });

  it("reports a lookup with no addresses as dns_failed", async () => {
    fakeLookup();
    const err = await failure(resolveAllowed("empty.test", false));
    expect(err.code).toBe("dns_failed");
  });
});
