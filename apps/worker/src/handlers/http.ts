// `http` handler: one HTTP request to a target, behind the network guard, with manual redirects and a capped body.
import type { HttpPayload } from "@lineup/jobs";
import { fetchChecked, GuardError } from "@lineup/network-guard";
import { type Handler, JobError } from "./types";

export type HttpResult = { status: number; headers: Record<string, string>; body: string; truncated: boolean };

const MAX_REDIRECTS = 5;
const MAX_BODY_BYTES = 64 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Credentials given for one origin must not travel to another; fetch drops these on its own redirects too.
const ORIGIN_BOUND_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

type Method = HttpPayload["method"];

export const http: Handler<HttpPayload> = async (payload, ctx) => {
  // One budget for the whole attempt: every hop, and reading the body.
  const timeout = AbortSignal.timeout(payload.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let url = new URL(payload.url);
  let method: Method = payload.method;
  const headers = new Headers(payload.headers);
  // fetch rejects a body on GET/HEAD, and it would mean nothing to the target anyway.
  let body = method === "GET" || method === "HEAD" ? undefined : encodeBody(payload.body, headers);
  // A crash can run the same job twice; the key lets the target drop the repeat.
  headers.set("Idempotency-Key", ctx.jobId);
  try {
    for (let hop = 0; ; hop++) {
      const call = ctx.trace.call(method, url);
      for (const [name, value] of Object.entries(call.headers)) headers.set(name, value);
      const response = await fetchChecked(url, {
        method,
        headers,
        body,
        allowedNetworks: ctx.allowedNetworks,
        signal,
      }).catch((err) => {
        call.end(undefined, (err as { code?: string } | null)?.code ?? "request failed");
        throw err;
      });
      call.end(response.status);
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return await finish(response);
      await response.body?.cancel().catch(() => undefined);
      if (hop === MAX_REDIRECTS) {
        throw new JobError("too_many_redirects", `more than ${MAX_REDIRECTS} redirects`, { retryable: false });
      }
      const next = redirectTarget(location, url);
      if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
      const status = response.status;
      if ((status === 303 && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        for (const name of BODY_HEADERS) headers.delete(name);
      }
      ctx.log.debug("http redirect", { hop: hop + 1, status });
      url = next;
    }
  } catch (err) {
    throw toJobError(err, timeout, ctx.signal);
  }
};

/** A string goes as it is; any other JSON value goes as JSON, labelled so unless the payload named a content-type. */
function encodeBody(body: HttpPayload["body"], headers: Headers): string | undefined {
  if (body === undefined || typeof body === "string") return body;
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return JSON.stringify(body);
}

function redirectTarget(location: string, base: URL): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new JobError("bad_redirect", "target redirected to an invalid URL", { retryable: false });
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new JobError("bad_redirect", `target redirected to a ${next.protocol} URL`, { retryable: false });
  }
  return next;
}

async function finish(response: Response): Promise<HttpResult> {
  if (response.status >= 400) {
    await response.body?.cancel().catch(() => undefined);
    // 408 and 429 say "not now" rather than "never": retried like a 5xx.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    const code = response.status >= 500 ? "http_5xx" : "http_4xx";
    throw new JobError(code, `target answered ${response.status}`, { retryable });
  }
  const { body, truncated } = await readCapped(response);
  return { status: response.status, headers: Object.fromEntries(response.headers), body, truncated };
}

/** Reads at most MAX_BODY_BYTES and then hangs up, so a huge or endless body costs no more than that. */
async function readCapped(response: Response): Promise<{ body: string; truncated: boolean }> {
  if (!response.body) return { body: "", truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let body = "";
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: body + decoder.decode(), truncated: false };
    const room = MAX_BODY_BYTES - received;
    if (value.byteLength > room) {
      // Streaming decode without a final flush leaves out a character cut in half by the cap.
      body += decoder.decode(value.subarray(0, room), { stream: true });
      await reader.cancel().catch(() => undefined);
      return { body, truncated: true };
    }
    received += value.byteLength;
    body += decoder.decode(value, { stream: true });
  }
}

function toJobError(err: unknown, timeout: AbortSignal, jobSignal: AbortSignal): JobError {
  if (err instanceof JobError) return err;
  if (err instanceof GuardError) return new JobError(err.code, err.message, { retryable: err.retryable, cause: err });
  if (timeout.aborted) return new JobError("timeout", "target did not answer in time", { retryable: true });
  if (jobSignal.aborted) return new JobError("aborted", "the job was stopped", { retryable: true, cause: err });
  // Only the error code: the message of a fetch error can quote the URL, whose query may hold a token.
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === "string" ? ` (${code})` : "";
  return new JobError("network_error", `could not reach target${detail}`, { retryable: true, cause: err });
}
