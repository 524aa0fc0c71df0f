// The schedules page (/admin/schedules): every user's schedules, newest first, a page at a time: what each makes,
// when, and when it last and next runs.
import type { AdminSchedulePage } from "@lineup/client";
import { badge, el, fromTemplate, link, row, showView, time } from "./dom";
import { showPage } from "./paging";
import { api } from "./session";

type AdminSchedule = AdminSchedulePage["items"][number];
const enc = encodeURIComponent;

export async function schedulesView(params: URLSearchParams): Promise<void> {
  const { fragment, slot } = fromTemplate("view-schedules");
  showView(fragment);
  const list = { rows: slot("rows"), pager: slot("pager"), params };
  await showPage(list, (page) => api().admin.schedules(page), scheduleRow, "No schedule yet.");
}

function scheduleRow(s: AdminSchedule): HTMLTableRowElement {
  return row(
    el("td", {}, s.name ?? el("span", { class: "mono" }, s.id)),
    el("td", { class: "mono" }, link(`/admin/jobs?owner=${enc(s.ownerId)}`, s.ownerId)),
    el("td", { class: "mono" }, `${s.cron} (${s.timezone})`),
    el("td", { class: "mono" }, s.job.group ? `${s.job.type} in ${s.job.group}` : s.job.type),
    el("td", {}, s.paused ? badge("paused") : badge("active")),
    el("td", { class: "nowrap" }, s.nextRunAt ? time(s.nextRunAt) : "—"),
    el("td", { class: "nowrap" }, s.lastRunAt ? time(s.lastRunAt) : "never"),
  );
}
