// One HTTP request to a target the guard approved: the name is resolved and every address checked first, and for
// plain http the connection goes to the address that was checked. Redirects are the caller's to follow (manual).
import { resolveAllowed } from "./guard";

export type CheckedRequest = {
  method: string;
  headers: Headers;
  body?: string;
  /** CIDRs to reach besides global unicast addresses (HTTP_JOB_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[];
  signal: AbortSignal;
};

export async function fetchChecked(url: URL, req: CheckedRequest): Promise<Response> {
  const address = await abortable(resolveAllowed(url.hostname, req.allowedNetworks), req.signal);
  const target = new URL(url);
  const outgoing = new Headers(req.headers);
  if (url.protocol === "http:") {
    // Connect to the address the guard approved, so a second DNS answer cannot swap in an inside one (rebinding).
    // https keeps the name because TLS needs it for SNI and the certificate check; fetch then resolves it again, which
    // leaves a short rebinding window there. Accepted: the attacker would also need a valid certificate for that name.
    target.hostname = address.includes(":") ? `[${address}]` : address;
    outgoing.set("Host", url.host);
  }
  return fetch(target, {
    method: req.method,
    headers: outgoing,
    body: req.body,
    redirect: "manual",
    signal: req.signal,
  });
}

/** DNS lookups cannot be cancelled; this at least stops waiting for one when the attempt is over. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
