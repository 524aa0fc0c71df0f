// The overview (/admin): the queue's jobs, groups and workers, refreshed every few seconds; pause and resume.
import type { JobStatus, QueueOverview } from "@lineup/client";
import { askThenAct } from "./actions";
import { stackedBars, waitLines } from "./charts";
import { asKind, badge, el, emptyRow, fromTemplate, link, row, showView, time } from "./dom";
import { age } from "./format";
import { notify, refreshed } from "./messages";
import { refreshEvery } from "./refresh";
import { api, handleFailure } from "./session";

// Often enough to watch a queue drain, rarely enough to cost the API nothing.
const REFRESH_MS = 3000;
const STATUSES: JobStatus[] = ["queued", "running", "succeeded", "failed", "canceled"];
const enc = encodeURIComponent;

type Worker = QueueOverview["workers"][number];

export function overviewView(): void {
  const { fragment, slot } = fromTemplate("view-overview");
  showView(fragment);
  const panels = new Map<string, ReturnType<typeof queuePanel>>();
  refreshEvery(REFRESH_MS, async () => {
    try {
      for (const queue of await api().admin.queues()) {
        let panel = panels.get(queue.name);
        if (!panel) {
          panel = queuePanel(queue.name);
          panels.set(queue.name, panel);
          slot("queues").append(panel.node);
        }
        panel.update(queue);
      }
      slot("updated").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
      refreshed();
      return true;
    } catch (err) {
      return handleFailure(err, true);
    }
  });
}

/** One queue's panel, built once and updated in place, so a refresh never takes the focus from its button. */
function queuePanel(name: string) {
  const { fragment, slot } = fromTemplate("view-queue");
  const node = asKind(fragment.firstElementChild, HTMLElement, "panel in #view-queue");
  const toggle = slot("toggle", HTMLButtonElement);
  slot("title").textContent = `Queue ${name}`;
  slot("groups", HTMLAnchorElement).href = `/admin/groups?queue=${enc(name)}`;
  let paused = false;
  let workersShown = "";

  askThenAct(
    toggle,
    () =>
      paused
        ? { title: `Resume queue ${name}?`, body: "Workers take jobs again, in order.", confirm: "Resume queue" }
        : {
            title: `Pause queue ${name}?`,
            body: "Workers finish the jobs they hold and take nothing new. Submissions are still accepted and wait in the queue until it is resumed.",
            confirm: "Pause queue",
          },
    async () => {
      const pausing = !paused;
      update(await (pausing ? api().admin.pauseQueue(name) : api().admin.resumeQueue(name)));
      notify(pausing ? `Queue ${name} is paused.` : `Queue ${name} is running again.`);
    },
  );

  const charts = chartsOf(name, slot);

  function update(queue: QueueOverview): void {
    charts.refresh();
    paused = queue.paused;
    const state = slot("state");
    state.textContent = paused ? "Paused" : "Running";
    state.className = `badge ${paused ? "paused" : "running"}`;
    toggle.textContent = paused ? "Resume queue" : "Pause queue";
    for (const status of STATUSES) slot(status).textContent = queue.jobs[status].toLocaleString();
    slot("deadSet").textContent = queue.deadSet.toLocaleString();
    slot("throughput").textContent = queue.throughputLastMinute.toLocaleString();
    slot("oldest").textContent = queue.groups.ready ? age(queue.oldestReadyAgeSeconds) : "none";
    slot("ready").textContent = queue.groups.ready.toLocaleString();
    slot("inFlight").textContent = queue.groups.inFlight.toLocaleString();
    slot("retrying").textContent = queue.groups.retrying.toLocaleString();
    // Rows are rebuilt only when they change, so a focused link in them survives the refresh.
    const shown = JSON.stringify(queue.workers);
    if (shown !== workersShown) {
      workersShown = shown;
      slot("workers").replaceChildren(
        ...(queue.workers.length ? queue.workers.map(workerRow) : [emptyRow(4, "No worker has reported.")]),
      );
    }
  }
  return { node, update };
}

/**
 * The queue's charts and their range switch. Drawn again every refresh for the last hour, every 30 s for the last
 * 24 hours (a bigger read, and a 15-minute bar moves slowly).
 */
function chartsOf(name: string, slot: (name: string) => HTMLElement) {
  let range: "1h" | "24h" = "1h";
  let drawnAt = 0;
  let drawing = false;
  for (const option of ["1h", "24h"] as const) {
    slot(`range-${option}`).addEventListener("click", () => {
      range = option;
      for (const other of ["1h", "24h"]) slot(`range-${other}`).setAttribute("aria-pressed", String(other === option));
      drawnAt = 0;
      void draw();
    });
  }
  async function draw(): Promise<void> {
    if (drawing) return;
    drawing = true;
    try {
      const { minutes } = await api().admin.queueStats(name, { window: range });
      const per = range === "1h" ? 1 : 15;
      slot("per").textContent = per === 1 ? "per minute" : "per 15 minutes";
      slot("chart-finished").replaceChildren(
        stackedBars(
          `Jobs finished ${range === "1h" ? "per minute, last hour" : "per 15 minutes, last 24 hours"}`,
          minutes,
          per,
          [
            { name: "succeeded", className: "ok", pick: (m) => m.succeeded },
            { name: "failed", className: "bad", pick: (m) => m.failed },
          ],
        ),
      );
      slot("chart-failures").replaceChildren(
        stackedBars("Failed attempts: retried, and failed for good", minutes, per, [
          { name: "retried", className: "warn", pick: (m) => m.retried },
          { name: "failed", className: "bad", pick: (m) => m.failed },
        ]),
      );
      slot("chart-wait").replaceChildren(waitLines("Wait in line before the first attempt, p50 and p95", minutes, per));
      drawnAt = Date.now();
    } catch (err) {
      handleFailure(err, true);
    } finally {
      drawing = false;
    }
  }
  return {
    refresh(): void {
      if (Date.now() - drawnAt >= (range === "1h" ? REFRESH_MS - 100 : 30_000)) void draw();
    },
  };
}

function workerRow(worker: Worker): HTMLTableRowElement {
  const holding = worker.holding.length
    ? el(
        "ul",
        { class: "plain" },
        ...worker.holding.map((job) =>
          el("li", {}, link(`/admin/jobs/${enc(job.id)}`, `#${job.seq} ${job.type}`), ` in ${job.line}`),
        ),
      )
    : "idle";
  return row(
    el("td", { class: "mono" }, worker.id),
    el("td", {}, worker.alive ? badge("alive") : badge("silent", "gone")),
    el("td", { class: "nowrap" }, time(worker.lastSeenAt)),
    el("td", {}, holding),
  );
}
