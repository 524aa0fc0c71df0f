// A job's webhook as it is first stored (at submission, and again when a failed job runs once more): its URL, and the
// receiver it goes to, which a worker bounds its deliveries in flight by and its claims skip while that is reached.
import type { CallbackRecord } from "./record";

/**
 * The receiver a webhook goes to: host:port, the scheme's port filled in, so `https://a.example/x` and
 * `https://a.example:443/y` count as one.
 */
export function callbackTargetOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
  } catch {
    // Submission checked the URL, so this does not happen; if it did, the URL is a target of its own.
    return url;
  }
}

/** A webhook not tried yet; it falls due when its job is final. */
export function pendingCallback(url: string): CallbackRecord {
  return { url, target: callbackTargetOf(url), status: "pending", attempts: 0 };
}
