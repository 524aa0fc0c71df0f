// The per-owner and per-receiver counts of a worker's webhook deliveries, and the claims they make it try.
import { describe, expect, it } from "bun:test";
import { createInFlight } from "./in-flight";

describe("deliveries in flight", () => {
  it("claims past nothing when nothing is in flight", () => {
    expect(createInFlight({ perOwner: 2, perTarget: 2 }).claimOrder()).toEqual([{ skipOwners: [], skipTargets: [] }]);
  });

  it("tries owners with nothing in flight first, then those under their share; never those at it", () => {
    const shares = createInFlight({ perOwner: 2, perTarget: 2 });
    shares.add("noisy", "hang.example:443");
    shares.add("noisy", "hang.example:443");
    shares.add("busy", "ok.example:443");
    expect(shares.claimOrder()).toEqual([
      { skipOwners: ["noisy", "busy"], skipTargets: ["hang.example:443"] },
      { skipOwners: ["noisy"], skipTargets: ["hang.example:443"] },
    ]);
  });

  it("skips a receiver at its share whoever's webhooks fill it", () => {
    const shares = createInFlight({ perOwner: 2, perTarget: 2 });
    shares.add("a", "shared.example:443");
    shares.add("b", "shared.example:443");
    // Neither owner is at its share, but the receiver is: no claim may take a webhook to it.
    expect(shares.claimOrder()).toEqual([
      { skipOwners: ["a", "b"], skipTargets: ["shared.example:443"] },
      { skipOwners: [], skipTargets: ["shared.example:443"] },
    ]);
  });

  it("forgets an owner and a receiver once their deliveries end", () => {
    const shares = createInFlight({ perOwner: 2, perTarget: 2 });
    shares.add("a", "t:80");
    shares.add("a", "t:80");
    shares.remove("a", "t:80");
    expect(shares.claimOrder()).toEqual([
      { skipOwners: ["a"], skipTargets: [] },
      { skipOwners: [], skipTargets: [] },
    ]);
    shares.remove("a", "t:80");
    expect(shares.claimOrder()).toEqual([{ skipOwners: [], skipTargets: [] }]);
  });
});
