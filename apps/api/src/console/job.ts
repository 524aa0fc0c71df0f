// A job's page (/admin/jobs/<id>): facts, payload, result and attempts, watched until it ends; retry and cancel.
import { type AdminJob, type Attempt, type JobStatus, LineupError } from "@lineup/client";
import { askThenAct } from "./actions";
import { badge, type Child, el, emptyRow, fromTemplate, link, row, showView, time } from "./dom";
import { notify, refreshed } from "./messages";
import { refreshEvery } from "./refresh";
import { api, handleFailure } from "./session";

// Often enough to see a retried job run and finish as it happens.
const REFRESH_MS = 1500;
const FINAL = new Set<JobStatus>(["succeeded", "failed", "canceled"]);
const enc = encodeURIComponent;

export function jobView(id: string): void {
  const { fragment, slot } = fromTemplate("view-job");
  const retry = slot("retry", HTMLButtonElement);
  const cancel = slot("cancel", HTMLButtonElement);
  slot("title").textContent = `Job ${id}`;
  showView(fragment);
  let shown = "";

  /** Shows the job; the page is rewritten only when the job changed, so a refresh keeps the reader's place. */
  const show = (job: AdminJob) => {
    const json = JSON.stringify(job);
    if (json === shown) return;
    shown = json;
    const status = slot("status");
    status.textContent = job.status;
    status.className = `badge ${job.status}`;
    retry.hidden = job.status !== "failed";
    cancel.hidden = FINAL.has(job.status);
    slot("facts").replaceChildren(...facts(job));
    slot("error-section").hidden = !job.error;
    slot("error").textContent = job.error ? `${job.error.code}: ${job.error.message}` : "";
    slot("payload").textContent = JSON.stringify(job.payload, null, 2);
    slot("result-section").hidden = job.result === undefined;
    slot("result").textContent = job.result === undefined ? "" : JSON.stringify(job.result, null, 2);
    const history = job.history ?? [];
    slot("attempts").replaceChildren(...(history.length ? history.map(attemptRow) : [emptyRow(6, "Not started yet.")]));
  };

  // Watches the job until it ends, so a retried job can be seen to run and finish.
  const watch = () =>
    refreshEvery(REFRESH_MS, async () => {
      try {
        const job = await api().admin.job(id);
        show(job);
        refreshed();
        return !FINAL.has(job.status);
      } catch (err) {
        return handleFailure(err, true) && !(err instanceof LineupError && err.status === 404);
      }
    });
  watch();

  askThenAct(
    retry,
    () => ({
      title: "Retry this job?",
      body: "It is queued again with a new seq at the tail of its line and its full allowance of attempts. Its failure stays in its history.",
      confirm: "Retry job",
    }),
    async () => {
      const job = await api().admin.retry(id);
      show(job);
      notify(`Job queued again with seq ${job.seq}.`);
      watch();
    },
  );

  askThenAct(
    cancel,
    () => ({
      title: "Cancel this job?",
      body: "A queued job, or one waiting out a retry, ends now and its line moves on; a running job's handler is stopped. This cannot be undone.",
      confirm: "Cancel job",
      keep: "Don't cancel",
      danger: true,
    }),
    async () => {
      show(await api().admin.cancel(id));
      notify("Job canceled.");
    },
  );
}

/** The job's facts as term and value; those that do not apply to it (null) are left out. */
function facts(job: AdminJob): HTMLDivElement[] {
  const items: [string, Child][] = [
    ["Type", job.type],
    ["Queue", job.queue],
    ["Line", job.line],
    ["Group", job.group ?? "—"],
    ["Owner", link(`/admin/jobs?owner=${enc(job.ownerId)}`, job.ownerEmail ?? job.ownerId)],
    ["Seq", job.seq === null ? "—" : String(job.seq)],
    ["Attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["Next attempt", job.retryAt ? time(job.retryAt) : null],
    ["Due", job.runAt ? time(job.runAt) : null],
    ["Schedule", job.scheduleId ?? null],
    ["Tick", job.scheduledFor ? time(job.scheduledFor) : null],
    ["On failure", job.onFailure === "halt" ? "halts its group" : null],
    ["Progress", job.progress ? progressText(job.progress) : null],
    ["Worker", job.workerId ?? null],
    ["Created", time(job.createdAt)],
    ["Started", time(job.startedAt)],
    ["Finished", time(job.finishedAt)],
  ];
  return items
    .filter(([, value]) => value !== null)
    .map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value)));
}

function progressText(progress: NonNullable<AdminJob["progress"]>): string {
  return `${progress.percent} %${progress.message ? `: ${progress.message}` : ""}`;
}

function attemptRow(attempt: Attempt): HTMLTableRowElement {
  return row(
    String(attempt.attempt),
    el("td", { class: "mono" }, attempt.workerId),
    el("td", { class: "nowrap" }, time(attempt.startedAt)),
    el("td", { class: "nowrap" }, time(attempt.endedAt)),
    el("td", {}, badge(attempt.outcome)),
    attempt.error ? `${attempt.error.code}: ${attempt.error.message}` : "",
  );
}
