// The groups page (/admin/groups?queue=<name>): the paused and halted groups of every user, with what an operator can
// do about each (resume; after a halt, retry or skip the job that halted it), and the queue's longest lines, each a
// link to its jobs, with its state (active, paused, halted), what it has queued and how long its oldest job has waited,
// and, for a user's active group, a pause button.
import type { AdminGroup, FailedJobChoice, QueueGroup } from "@lineup/client";
import { askThenAct } from "./actions";
import { badge, el, emptyRow, fromTemplate, link, row, showView, time } from "./dom";
import { age } from "./format";
import { notify } from "./messages";
import { api, handleFailure } from "./session";

/** Lines listed, at most: the ones an operator can take in at a glance. */
const LIMIT = 100;
const enc = encodeURIComponent;

export async function groupsView(params: URLSearchParams): Promise<void> {
  const { fragment, slot } = fromTemplate("view-groups");
  showView(fragment);
  const reload = () => groupsView(params);
  try {
    // Each api serves one queue: without ?queue=, that one.
    const name = params.get("queue") ?? (await api().admin.queues())[0]?.name ?? "";
    slot("queue").textContent = `queue ${name}`;
    const [stopped, lines] = await Promise.all([
      api().admin.stoppedGroups(),
      api().admin.queueGroups(name, { limit: LIMIT }),
    ]);
    slot("stopped").replaceChildren(
      ...(stopped.length ? stopped.map((g) => stoppedRow(g, reload)) : [emptyRow(7, "Every group runs.")]),
    );
    const stateOf = new Map(stopped.map((g) => [`g:${g.ownerId}:${g.group}`, g.state]));
    slot("rows").replaceChildren(
      ...(lines.length
        ? lines.map((l) => lineRow(l, stateOf.get(l.line) ?? "active", reload))
        : [emptyRow(7, "No job is queued.")]),
    );
  } catch (err) {
    handleFailure(err);
  }
}

function stoppedRow(group: AdminGroup, reload: () => Promise<void>): HTMLTableRowElement {
  const jobs = `/admin/jobs?owner=${enc(group.ownerId)}&group=${enc(group.group)}`;
  const actions =
    group.state === "halted"
      ? [
          resumeButton(group, "retry", "Retry failed job", reload),
          resumeButton(group, "skip", "Skip failed job", reload),
        ]
      : [resumeButton(group, undefined, "Resume", reload)];
  return row(
    el("td", { class: "mono" }, link(jobs, group.group)),
    el("td", { class: "mono" }, link(`/admin/jobs?owner=${enc(group.ownerId)}`, group.ownerId)),
    el("td", {}, badge(group.state)),
    el(
      "td",
      { class: "mono" },
      group.haltedJobId ? link(`/admin/jobs/${enc(group.haltedJobId)}`, group.haltedJobId) : "—",
    ),
    el("td", { class: "nowrap" }, time(group.since)),
    group.queued.toLocaleString(),
    el("td", { class: "actions" }, ...actions),
  );
}

function resumeButton(
  group: AdminGroup,
  failedJob: FailedJobChoice | undefined,
  label: string,
  reload: () => Promise<void>,
): HTMLButtonElement {
  const button = el("button", { type: "button", class: failedJob === "skip" ? "danger" : "primary" }, label);
  const questions = {
    retry: `Its failed job ${group.haltedJobId} runs again first, with its full allowance of attempts; then the rest in order.`,
    skip: `Its failed job ${group.haltedJobId} stays failed; the group goes on with its next job.`,
    resume: "Its jobs start again, in order.",
  };
  askThenAct(
    button,
    () => ({
      title: `${label}: group ${group.group}?`,
      body: questions[failedJob ?? "resume"],
      confirm: label,
      danger: failedJob === "skip",
    }),
    async () => {
      await api().admin.resumeGroup(group.ownerId, group.group, failedJob ? { failedJob } : {});
      notify(`Group ${group.group} runs again.`);
      await reload();
    },
  );
  return button;
}

function lineRow(
  line: QueueGroup,
  state: AdminGroup["state"] | "active",
  reload: () => Promise<void>,
): HTMLTableRowElement {
  const owner = line.ownerId ? link(`/admin/jobs?owner=${enc(line.ownerId)}`, line.ownerId) : "—";
  const group = line.group
    ? link(`/admin/jobs?owner=${enc(line.ownerId ?? "")}&group=${enc(line.group)}&status=queued`, line.group)
    : "—";
  return row(
    el("td", { class: "mono" }, line.line),
    el("td", { class: "mono" }, owner),
    el("td", { class: "mono" }, group),
    el("td", {}, badge(state)),
    line.queued.toLocaleString(),
    el("td", { class: "nowrap" }, age((Date.now() - Date.parse(line.oldestCreatedAt)) / 1000)),
    el(
      "td",
      { class: "actions" },
      ...(line.group && line.ownerId && state === "active" ? [pauseButton(line, reload)] : []),
    ),
  );
}

function pauseButton(line: QueueGroup, reload: () => Promise<void>): HTMLButtonElement {
  const [ownerId, group] = [line.ownerId as string, line.group as string];
  const button = el("button", { type: "button" }, "Pause");
  askThenAct(
    button,
    () => ({
      title: `Pause group ${group}?`,
      body: "Its running job finishes; no further job of it starts until it is resumed. Submissions are still accepted.",
      confirm: "Pause group",
    }),
    async () => {
      await api().admin.pauseGroup(ownerId, group);
      notify(`Group ${group} is paused.`);
      await reload();
    },
  );
  return button;
}
