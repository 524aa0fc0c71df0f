// A job's callbackUrl is checked at submission with the guard `http` jobs and webhook deliveries use: its host must
// resolve to addresses Lineup may reach (global unicast, or HTTP_JOB_ALLOWED_NETWORKS). Deliveries check it again, each
// time, since a name can point elsewhere later.
import { errors } from "@lineup/errors";
import { GuardError, resolveAllowed } from "@lineup/network-guard";
import type { SubmitJob } from "../schemas/jobs";

// A submission waits this long at most for the callback hosts' DNS answers.
const LOOKUP_TIMEOUT_MS = 3_000;

export const callbackHostUnavailable = () =>
  errors.unavailable("The callbackUrl's host name could not be looked up just now; nothing was recorded. Try again.");

/** 422 naming each job whose callbackUrl may not be reached; 503 when a lookup failed for a reason that may pass. */
export async function checkCallbackUrls(
  jobs: SubmitJob[],
  allowedNetworks: readonly string[],
  at: (i: number) => string,
): Promise<void> {
  const checks = jobs.map(async (job, i) => {
    if (job.callbackUrl === undefined) return null;
    try {
      await withTimeout(resolveAllowed(new URL(job.callbackUrl).hostname, allowedNetworks));
      return null;
    } catch (err) {
      if (err instanceof GuardError && (err.code === "target_refused" || err.notFound)) {
        const message =
          err.code === "target_refused"
            ? "Must reach a public address; this host resolves to one Lineup may not call"
            : "The host name does not resolve";
        return { path: at(i), message };
      }
      throw callbackHostUnavailable();
    }
  });
  const problems = (await Promise.all(checks)).filter((p) => p !== null);
  if (problems.length) throw errors.validation(problems);
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("lookup timed out")), LOOKUP_TIMEOUT_MS);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
