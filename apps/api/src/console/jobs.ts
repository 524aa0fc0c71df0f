// The job list (/admin/jobs): every user's jobs, filtered by the form, a page at a time; redrive of the failed ones.
import type { AdminJob, AdminJobFilter } from "@lineup/client";
import { askThenAct } from "./actions";
import { badge, el, fromTemplate, link, row, showView, time, within } from "./dom";
import { shorten } from "./format";
import { notify, showAlert } from "./messages";
import { showPage } from "./paging";
import { api } from "./session";

const FILTER_KEYS = ["status", "type", "owner", "group", "from", "to"] as const satisfies (keyof AdminJobFilter)[];
/** Failed jobs one click of the redrive button queues again, at most. */
const REDRIVE_LIMIT = 100;
const enc = encodeURIComponent;

/** The page's filter as the API wants it (blanks dropped, local date-times as ISO instants), or what is wrong in it. */
function apiFilter(params: URLSearchParams): { filter: AdminJobFilter } | { problem: string } {
  const filter: Partial<Record<(typeof FILTER_KEYS)[number], string>> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === "from" || key === "to") {
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) return { problem: `"${value}" is not a date and time.` };
      filter[key] = date.toISOString();
    } else {
      filter[key] = value;
    }
  }
  // The status is the address's, unchecked here: the API refuses one it does not know (422), naming the field.
  return { filter: filter as AdminJobFilter };
}

export function jobsView(params: URLSearchParams): void {
  const { fragment, slot } = fromTemplate("view-jobs");
  const form = within(fragment, "#filter", HTMLFormElement);
  for (const key of [...FILTER_KEYS, "limit"]) {
    const value = params.get(key);
    const field = form.elements.namedItem(key);
    if (value === null) continue;
    if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement) field.value = value;
  }
  // Blank fields stay out of the address, so it reads as the filter it is.
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      const v = String(value).trim();
      if (v && !(key === "limit" && v === "20")) query.set(key, v);
    }
    location.assign(`/admin/jobs${query.size ? `?${query}` : ""}`);
  });
  const redriveButton = within(fragment, "#redrive", HTMLButtonElement);
  showView(fragment);
  const parsed = apiFilter(params);
  if ("problem" in parsed) {
    redriveButton.disabled = true;
    showAlert(parsed.problem);
    return;
  }
  const { filter } = parsed;
  // Redrive retries failed jobs only, whatever status the list shows.
  const { status: _status, ...redriveFilter } = filter;

  const list = { rows: slot("rows"), pager: slot("pager"), params };
  const load = () => showPage(list, (page) => api().admin.jobs({ ...filter, ...page }), jobRow, "No jobs match.");

  const scope = Object.entries(redriveFilter)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
  askThenAct(
    redriveButton,
    () => ({
      title: "Retry failed jobs?",
      body:
        `Every failed job${scope ? ` with ${scope}` : ""} (at most ${REDRIVE_LIMIT}, oldest first) is queued again ` +
        "at the tail of its line. Their failures stay in their history.",
      confirm: "Retry failed jobs",
    }),
    async () => {
      const { count } = await api().admin.redrive({ ...redriveFilter, limit: REDRIVE_LIMIT });
      notify(count ? `${count} failed job${count === 1 ? "" : "s"} queued again.` : "No failed job matched.");
      await load();
    },
  );

  void load();
}

function jobRow(job: AdminJob): HTMLTableRowElement {
  return row(
    el("td", { class: "mono" }, link(`/admin/jobs/${enc(job.id)}`, job.id)),
    job.type,
    el("td", {}, badge(job.status)),
    el("td", { class: "mono" }, job.group ?? job.line),
    el("td", {}, link(`/admin/jobs?owner=${enc(job.ownerId)}`, job.ownerEmail ?? job.ownerId)),
    `${job.attempts} of ${job.maxAttempts}`,
    el("td", { class: "nowrap" }, time(job.createdAt)),
    job.error ? shorten(`${job.error.code}: ${job.error.message}`) : "",
  );
}
