// A job's callbackUrl is checked at submission with the guard `http` jobs and webhook deliveries use: its host must
// resolve to addresses Lineup may reach (global unicast, or HTTP_JOB_ALLOWED_NETWORKS). Deliveries check it again, each
// time, since a name can point elsewhere later; that check is the one that protects, this one tells the client early.
// So a lookup that fails for a reason that may pass (a DNS server down or slow) does not refuse the job.
import { errors } from "@lineup/errors";
import { GuardError, resolveAllowed } from "@lineup/network-guard";
import type { SubmitJob } from "../../schemas/jobs";

// A submission waits this long at most for the callback hosts' DNS answers.
const LOOKUP_TIMEOUT_MS = 3_000;

/** 422 naming each job whose callbackUrl may not be reached, or whose host name does not exist. */
export async function checkCallbackUrls(
  jobs: Pick<SubmitJob, "callbackUrl">[],
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
      return null;
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
