// The audit log (/admin/audit): every admin action, newest first, a page at a time.
import type { AuditEntry } from "@lineup/client";
import { el, fromTemplate, link, row, showView, time } from "./dom";
import { showPage } from "./paging";
import { api } from "./session";

export async function auditView(params: URLSearchParams): Promise<void> {
  const { fragment, slot } = fromTemplate("view-audit");
  showView(fragment);
  const list = { rows: slot("rows"), pager: slot("pager"), params };
  await showPage(list, (page) => api().admin.audit(page), auditRow, "Nothing yet.");
}

function auditRow(entry: AuditEntry): HTMLTableRowElement {
  const jobId = typeof entry.target.jobId === "string" ? entry.target.jobId : null;
  const target = jobId
    ? link(`/admin/jobs/${encodeURIComponent(jobId)}`, `job ${jobId}`)
    : JSON.stringify(entry.target);
  return row(
    el("td", { class: "nowrap" }, time(entry.at)),
    entry.actorEmail,
    el("td", { class: "mono" }, entry.action),
    el("td", { class: "mono" }, target),
    String(entry.count),
  );
}
