// The groups page (/admin/groups?queue=<name>): the queue's lines with the most jobs queued, each linking to them.
import type { QueueGroup } from "@lineup/client";
import { el, emptyRow, fromTemplate, link, row, showView, time } from "./dom";
import { api, handleFailure } from "./session";

/** Lines listed, at most: the ones an operator can take in at a glance. */
const LIMIT = 100;
const enc = encodeURIComponent;

export async function groupsView(params: URLSearchParams): Promise<void> {
  const { fragment, slot } = fromTemplate("view-groups");
  showView(fragment);
  try {
    // Each api serves one queue: without ?queue=, that one.
    const name = params.get("queue") ?? (await api().admin.queues())[0]?.name ?? "";
    slot("queue").textContent = `queue ${name}`;
    const lines = await api().admin.queueGroups(name, { limit: LIMIT });
    slot("rows").replaceChildren(...(lines.length ? lines.map(groupRow) : [emptyRow(5, "No job is queued.")]));
  } catch (err) {
    handleFailure(err);
  }
}

function groupRow(line: QueueGroup): HTMLTableRowElement {
  const owner = line.ownerId ? link(`/admin/jobs?owner=${enc(line.ownerId)}`, line.ownerId) : "—";
  const group = line.group
    ? link(`/admin/jobs?owner=${enc(line.ownerId ?? "")}&group=${enc(line.group)}&status=queued`, line.group)
    : "—";
  return row(
    el("td", { class: "mono" }, line.line),
    el("td", { class: "mono" }, owner),
    el("td", { class: "mono" }, group),
    line.queued.toLocaleString(),
    el("td", { class: "nowrap" }, time(line.oldestCreatedAt)),
  );
}
