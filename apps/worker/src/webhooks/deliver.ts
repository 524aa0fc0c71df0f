// One webhook delivery attempt: the job's view POSTed to its callbackUrl, signed per Standard Webhooks with the
// owner's secret (and the one rotated out, while it lasts), through the SSRF guard, within the time limit.
import { type Db, ensureWebhookKeys, type WebhookKeys } from "@lineup/db";
import { type JobDoc, toJobView } from "@lineup/jobs";
import { fetchChecked, GuardError } from "@lineup/network-guard";
import { type Tracing, tracingOff } from "@lineup/tracing";
import { newWebhookSecret, webhookHeaders } from "@lineup/webhooks";
import { startDelivery } from "../job-tracing";

/** Delivered (a 2xx), or not: `final` when trying again cannot help. */
export type DeliveryResult = { ok: true } | { ok: false; final: boolean; error: string };

export async function deliver(
  deps: { db: Db; allowedNetworks: readonly string[]; timeoutMs: number; tracing?: Tracing },
  job: JobDoc,
): Promise<DeliveryResult> {
  const url = job.callback?.url;
  if (!url) return { ok: false, final: true, error: "no callback url" };
  const keys = await ensureWebhookKeys(deps.db, { id: job.ownerId, make: newWebhookSecret, now: new Date() });
  if (!keys) return { ok: false, final: true, error: "the job's owner no longer exists" };
  // The receiver gets the job as GET /v1/jobs/{id} shows it, without the webhook's own bookkeeping; a job whose failure
  // halted its group says so.
  const { callback: _bookkeeping, ...view } = toJobView(job);
  const body = JSON.stringify(job.haltedLine ? { ...view, event: "group.halted" } : view);
  const headers = new Headers({
    "content-type": "application/json",
    "user-agent": "Lineup-Webhooks/1",
    ...webhookHeaders(secretsOf(keys), messageIdOf(job), Math.floor(Date.now() / 1000), body),
  });
  // In the job's trace: the receiver gets the delivery's traceparent.
  const call = startDelivery(deps.tracing ?? tracingOff, job, new URL(url));
  for (const [name, value] of Object.entries(call.headers)) headers.set(name, value);
  const { status, ...result } = await post(deps, new URL(url), headers, body);
  call.end(status, result.ok ? undefined : result.error);
  return result;
}

/** The POST itself, and the status it got (none when no answer came). */
async function post(
  deps: { allowedNetworks: readonly string[]; timeoutMs: number },
  url: URL,
  headers: Headers,
  body: string,
): Promise<DeliveryResult & { status?: number }> {
  const signal = AbortSignal.timeout(deps.timeoutMs);
  try {
    const res = await fetchChecked(url, {
      method: "POST",
      headers,
      body,
      allowedNetworks: deps.allowedNetworks,
      signal,
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, final: false, error: `receiver answered ${res.status}`, status: res.status };
  } catch (err) {
    if (err instanceof GuardError) return { ok: false, final: !err.retryable, error: err.message };
    if (signal.aborted) return { ok: false, final: false, error: `no answer within ${deps.timeoutMs} ms` };
    // Only the code: a fetch error's message can quote the URL, whose query may hold a token.
    const code = (err as { code?: unknown } | null)?.code;
    return {
      ok: false,
      final: false,
      error: `could not reach the receiver${typeof code === "string" ? ` (${code})` : ""}`,
    };
  }
}

/** The same for every attempt at one final state, so a receiver can drop repeats; a job run again gets a new one. */
export function messageIdOf(job: JobDoc): string {
  return `msg_${job._id}_${(job.finishedAt?.getTime() ?? 0).toString(36)}`;
}

function secretsOf(keys: WebhookKeys): string[] {
  const previousValid = keys.previous && keys.previousUntil && keys.previousUntil.getTime() > Date.now();
  return previousValid ? [keys.secret, keys.previous as string] : [keys.secret];
}
