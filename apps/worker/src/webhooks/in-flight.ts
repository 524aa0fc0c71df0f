// The webhook deliveries a worker has in flight, counted per owner and per receiver (host:port), and what its next
// claim should skip because of them: an owner or a receiver that has its share is passed over, so a user whose
// receiver never answers holds at most that share of the worker's deliveries, and other users' due webhooks are
// claimed past theirs. Owners with fewer deliveries in flight are served first, so a single webhook of a quiet user
// does not wait behind the backlog of a busy one that is still under its share.
//
// Per worker only, on purpose: with several workers an owner can have its share in each. Counting across workers would
// need a shared counter kept right through crashes and lost leases; each worker's bounds, and the claim's lease that
// keeps two workers from sending the same attempt, already keep any one owner or receiver to a bounded part of the
// whole.

export type InFlightLimits = {
  /** Deliveries in flight at once for one owner's jobs. */
  perOwner: number;
  /** Deliveries in flight at once to one receiver, whoever's jobs they are. */
  perTarget: number;
};

/** What one claim skips (as claimDueCallback takes it). */
export type ClaimSkips = { skipOwners: string[]; skipTargets: string[] };

export function createInFlight(limits: InFlightLimits) {
  const owners = new Map<string, number>();
  const targets = new Map<string, number>();

  const bump = (counts: Map<string, number>, key: string, by: number) => {
    const n = (counts.get(key) ?? 0) + by;
    if (n > 0) counts.set(key, n);
    else counts.delete(key);
  };
  const atLeast = (counts: Map<string, number>, n: number) =>
    [...counts].filter(([, count]) => count >= n).map(([key]) => key);

  return {
    add(owner: string, target: string): void {
      bump(owners, owner, 1);
      bump(targets, target, 1);
    },
    remove(owner: string, target: string): void {
      bump(owners, owner, -1);
      bump(targets, target, -1);
    },
    /**
     * The claims to try in turn until one finds a webhook: first past every owner with a delivery in flight, then past
     * those with two, and so on up to the owners at their limit; always past the receivers at theirs.
     */
    claimOrder(): ClaimSkips[] {
      const skipTargets = atLeast(targets, limits.perTarget);
      const order: ClaimSkips[] = [];
      for (let level = 1; level <= limits.perOwner; level++) {
        const skipOwners = atLeast(owners, level);
        // A level that skips no fewer owners than the one before finds nothing that one did not.
        if (order.length > 0 && skipOwners.length === order[order.length - 1]?.skipOwners.length) continue;
        order.push({ skipOwners, skipTargets });
        if (skipOwners.length === 0) break;
      }
      return order;
    },
  };
}
