// The operations console's script: logs in with the API, keeps the token in sessionStorage (this tab only), and
// renders the view the path names (/admin, /admin/jobs, /admin/jobs/<id>, /admin/groups, /admin/audit) from
// /v1/admin/... Data from the API reaches the page only as text (textContent, DOM nodes), never as HTML: payloads,
// groups and error messages are written by users.

const TOKEN_KEY = "lineup.console.token";
// Often enough to watch a queue drain, rarely enough to cost the API nothing.
const OVERVIEW_REFRESH_MS = 3000;
const JOB_REFRESH_MS = 1500;
const FINAL = new Set(["succeeded", "failed", "canceled"]);
const STATUSES = ["queued", "running", "succeeded", "failed", "canceled"];
const REDRIVE_LIMIT = 100;

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
/** Stops the current view's refresh; replaced by each view that refreshes. */
let stopRefresh = () => {};

// ---------------------------------------------------------------------------------------------------- DOM helpers

/** An element with attributes and children; string children become text nodes, never markup. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const row = (...cells) => el("tr", {}, ...cells.map((c) => (c instanceof HTMLTableCellElement ? c : el("td", {}, c))));
const emptyRow = (columns, text) => el("tr", {}, el("td", { colspan: columns, class: "empty" }, text));
const link = (href, text, attrs = {}) => el("a", { href, ...attrs }, text);
const time = (iso) => (iso ? el("time", { datetime: iso }, new Date(iso).toLocaleString()) : "—");
const badge = (text, kind = text) => el("span", { class: `badge ${kind}` }, text);

function fromTemplate(id) {
  const fragment = $(id).content.cloneNode(true);
  const slots = {};
  for (const node of fragment.querySelectorAll("[data-slot]")) slots[node.dataset.slot] = node;
  return { fragment, slots };
}

function showView(fragment) {
  $("view").replaceChildren(fragment);
}

function age(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

function shorten(text, max = 140) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ------------------------------------------------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/** Calls the API with this tab's token; an answer outside 2xx throws its `{error: {code, message}}` as ApiError. */
async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, "network", "The API cannot be reached. Check the connection and try again.");
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const error = data?.error ?? {};
  throw new ApiError(
    res.status,
    error.code ?? `http_${res.status}`,
    error.message ?? `The API answered ${res.status}.`,
    error.details,
    res.headers.get("retry-after"),
  );
}

// ------------------------------------------------------------------------------------------------------- messages

let alertFromRefresh = false;

function showError(err, fromRefresh = false) {
  const box = $("alert");
  let text = err instanceof ApiError ? err.message : `The console failed: ${err.message}`;
  if (err.retryAfter) text += ` Try again in ${err.retryAfter} s.`;
  box.replaceChildren(el("strong", {}, text));
  if (Array.isArray(err.details) && err.details.length) {
    box.append(el("ul", {}, ...err.details.map((d) => el("li", {}, d.path ? `${d.path}: ${d.message}` : d.message))));
  }
  box.hidden = false;
  alertFromRefresh = fromRefresh;
}

function notify(text) {
  const notice = $("notice");
  notice.textContent = text;
  notice.hidden = false;
}

function clearMessages() {
  $("alert").hidden = true;
  $("notice").hidden = true;
}

/** What every view does with a failed call: a dead token sends the person to log in, anything else is shown. */
function handleFailure(err, fromRefresh = false) {
  if (err instanceof ApiError && err.status === 401) {
    endSession("Your session has ended (the token expired or was revoked). Log in again.");
    return false;
  }
  showError(err, fromRefresh);
  return true;
}

/** Runs tick now and every ms while it returns true; skips ticks while the tab is hidden. Returns a stop. */
function every(ms, tick) {
  let timer;
  let stopped = false;
  const run = async () => {
    if (stopped) return;
    if (!document.hidden && (await tick()) === false) return;
    if (!stopped) timer = setTimeout(run, ms);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** A refresh went through: an error an earlier refresh showed is over. */
function refreshed() {
  if (alertFromRefresh) $("alert").hidden = true;
}

/** A button's action: disabled while it runs, failures shown, focus kept on the page if the button went away. */
async function act(button, action) {
  clearMessages();
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    handleFailure(err);
  } finally {
    button.disabled = false;
    if (button.hidden || document.activeElement === document.body) {
      const target = $("notice").hidden ? $("main") : $("notice");
      target.focus();
    }
  }
}

/** Asks in a modal dialog (keyboard reachable, Escape says no); the safe answer has the focus. */
function confirmAction({ title, body, confirm, keep = "Keep as is", danger = false }) {
  const dialog = $("confirm");
  const yes = $("confirm-yes");
  const no = $("confirm-no");
  $("confirm-title").textContent = title;
  $("confirm-body").textContent = body;
  yes.textContent = confirm;
  yes.className = danger ? "danger" : "primary";
  no.textContent = keep;
  return new Promise((resolve) => {
    const finish = (answer) => {
      yes.onclick = null;
      no.onclick = null;
      dialog.oncancel = null;
      dialog.close();
      resolve(answer);
    };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    dialog.oncancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    dialog.showModal();
    no.focus();
  });
}

/** A button that asks first (question() gives the dialog's words), then runs action as act() does. */
function askThenAct(button, question, action) {
  button.addEventListener("click", async () => {
    if (await confirmAction(question())) await act(button, action);
  });
}

// -------------------------------------------------------------------------------------------------------- session

async function boot() {
  $("logout").addEventListener("click", logOut);
  if (!sessionStorage.getItem(TOKEN_KEY)) return showLogin();
  try {
    const me = await api("GET", "/v1/auth/me");
    if (me.role !== "admin") return endSession(notAdmin(me.email));
    enter(me);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return endSession("Your session has ended. Log in again.");
    showLogin();
    showError(err);
  }
}

const notAdmin = (email) =>
  `${email} is not an operator: the console needs the admin role (accounts listed in the api's ADMIN_EMAILS).`;

function showLogin() {
  stopRefresh();
  $("nav").hidden = true;
  $("session").hidden = true;
  const { fragment } = fromTemplate("view-login");
  fragment.querySelector("form").addEventListener("submit", logIn);
  showView(fragment);
  $("login-email").focus();
}

async function logIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector("button");
  clearMessages();
  button.disabled = true;
  try {
    const credentials = { email: form.elements.email.value, password: form.elements.password.value };
    const { accessToken } = await api("POST", "/v1/auth/login", credentials);
    sessionStorage.setItem(TOKEN_KEY, accessToken);
    // Ask for the role now, so a person without it hears why at once rather than on every page.
    const me = await api("GET", "/v1/auth/me");
    if (me.role !== "admin") {
      await revokeToken();
      throw new ApiError(403, "forbidden", notAdmin(me.email));
    }
    enter(me);
  } catch (err) {
    showError(err);
    $("login-password").focus();
  } finally {
    button.disabled = false;
  }
}

/** Revokes the token with the API (so a copy of it is worthless too) and forgets it. */
async function revokeToken() {
  if (sessionStorage.getItem(TOKEN_KEY)) await api("POST", "/v1/auth/logout").catch(() => {});
  sessionStorage.removeItem(TOKEN_KEY);
}

async function logOut() {
  await revokeToken();
  clearMessages();
  showLogin();
  notify("You are logged out.");
}

function endSession(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin();
  showError(new ApiError(401, "unauthorized", message));
}

function enter(me) {
  $("who").textContent = me.email;
  $("nav").hidden = false;
  $("session").hidden = false;
  route();
}

// ---------------------------------------------------------------------------------------------------------- views

function route() {
  stopRefresh();
  stopRefresh = () => {};
  const path = location.pathname.replace(/\/+$/, "");
  const params = new URLSearchParams(location.search);
  const job = /^\/admin\/jobs\/([^/]+)$/.exec(path);
  let current = "";
  if (path === "/admin") current = "overview";
  else if (path === "/admin/jobs") current = params.get("status") === "failed" ? "failed" : "jobs";
  else if (path === "/admin/groups") current = "groups";
  else if (path === "/admin/audit") current = "audit";
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.view === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (current === "overview") return overviewView();
  if (current === "jobs" || current === "failed") return jobsView(params);
  if (job) return jobView(decodeURIComponent(job[1]));
  if (current === "groups") return groupsView(params);
  if (current === "audit") return auditView(params);
  showView(el("h1", {}, "No such page"));
}

function overviewView() {
  const { fragment, slots } = fromTemplate("view-overview");
  showView(fragment);
  const panels = new Map();
  stopRefresh = every(OVERVIEW_REFRESH_MS, async () => {
    try {
      const { items } = await api("GET", "/v1/admin/queues");
      for (const queue of items) {
        if (!panels.has(queue.name)) {
          const panel = queuePanel(queue.name);
          panels.set(queue.name, panel);
          slots.queues.append(panel.node);
        }
        panels.get(queue.name).update(queue);
      }
      slots.updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
      refreshed();
      return true;
    } catch (err) {
      return handleFailure(err, true);
    }
  });
}

/** One queue's panel, built once and updated in place, so a refresh never takes the focus from its button. */
function queuePanel(name) {
  const { fragment, slots } = fromTemplate("view-queue");
  const node = fragment.firstElementChild;
  slots.title.textContent = `Queue ${name}`;
  slots.groups.href = `/admin/groups?queue=${enc(name)}`;
  let paused = false;
  let workersShown = "";

  askThenAct(
    slots.toggle,
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
      update(await api("POST", `/v1/admin/queues/${enc(name)}/${pausing ? "pause" : "resume"}`));
      notify(pausing ? `Queue ${name} is paused.` : `Queue ${name} is running again.`);
    },
  );

  function update(queue) {
    paused = queue.paused;
    slots.state.textContent = paused ? "Paused" : "Running";
    slots.state.className = `badge ${paused ? "paused" : "running"}`;
    slots.toggle.textContent = paused ? "Resume queue" : "Pause queue";
    for (const status of STATUSES) slots[status].textContent = queue.jobs[status].toLocaleString();
    slots.deadSet.textContent = queue.deadSet.toLocaleString();
    slots.throughput.textContent = queue.throughputLastMinute.toLocaleString();
    slots.oldest.textContent = queue.groups.ready ? age(queue.oldestReadyAgeSeconds) : "none";
    slots.ready.textContent = queue.groups.ready.toLocaleString();
    slots.inFlight.textContent = queue.groups.inFlight.toLocaleString();
    slots.retrying.textContent = queue.groups.retrying.toLocaleString();
    // Rows are rebuilt only when they change, so a focused link in them survives the refresh.
    const shown = JSON.stringify(queue.workers);
    if (shown !== workersShown) {
      workersShown = shown;
      slots.workers.replaceChildren(
        ...(queue.workers.length ? queue.workers.map(workerRow) : [emptyRow(4, "No worker has reported.")]),
      );
    }
  }
  return { node, update };
}

function workerRow(worker) {
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

const FILTER_KEYS = ["status", "type", "owner", "group", "from", "to"];

/** The page's filter as the API wants it: blanks dropped, local date-times as ISO instants. */
function apiFilter(params) {
  const filter = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === "from" || key === "to") {
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) throw new ApiError(0, "bad_date", `"${value}" is not a date and time.`);
      filter[key] = date.toISOString();
    } else {
      filter[key] = value;
    }
  }
  return filter;
}

function jobsView(params) {
  const { fragment, slots } = fromTemplate("view-jobs");
  const form = fragment.querySelector("#filter");
  for (const key of [...FILTER_KEYS, "limit"]) {
    const value = params.get(key);
    if (value !== null) form.elements[key].value = value;
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
  const redriveButton = fragment.querySelector("#redrive");
  showView(fragment);
  let filter;
  try {
    filter = apiFilter(params);
  } catch (err) {
    redriveButton.disabled = true;
    return showError(err);
  }
  // Redrive retries failed jobs only, whatever status the list shows.
  const { status: _status, ...redriveFilter } = filter;

  const load = () => showPage(slots, "/v1/admin/jobs", new URLSearchParams(filter), params, jobRow, "No jobs match.");

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
      const { count } = await api("POST", "/v1/admin/jobs/retry", { ...redriveFilter, limit: REDRIVE_LIMIT });
      notify(count ? `${count} failed job${count === 1 ? "" : "s"} queued again.` : "No failed job matched.");
      await load();
    },
  );

  return load();
}

function jobRow(job) {
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

/** One page of a cursor-paged list into the view's rows, with its pager; failures are shown. */
async function showPage(slots, path, query, params, toRow, emptyText) {
  try {
    for (const key of ["limit", "cursor"]) if (params.get(key)) query.set(key, params.get(key));
    const page = await api("GET", `${path}?${query}`);
    const columns = slots.rows.closest("table").querySelectorAll("thead th").length;
    slots.rows.replaceChildren(...(page.items.length ? page.items.map(toRow) : [emptyRow(columns, emptyText)]));
    pager(slots.pager, params, page.nextCursor);
  } catch (err) {
    handleFailure(err);
  }
}

/** "First page" and "Next page" links: cursors only go forward, the first page is always one link away. */
function pager(nav, params, nextCursor) {
  const at = (cursor) => {
    const query = new URLSearchParams(params);
    query.delete("cursor");
    if (cursor) query.set("cursor", cursor);
    return `${location.pathname}${query.size ? `?${query}` : ""}`;
  };
  nav.replaceChildren(
    ...(params.get("cursor") ? [link(at(null), "First page")] : []),
    ...(nextCursor ? [link(at(nextCursor), "Next page", { rel: "next" })] : []),
  );
}

function jobView(id) {
  const { fragment, slots } = fromTemplate("view-job");
  slots.title.textContent = `Job ${id}`;
  showView(fragment);
  let shown = "";
  let job;

  const show = (next) => {
    job = next;
    const json = JSON.stringify(next);
    if (json === shown) return;
    shown = json;
    slots.status.textContent = job.status;
    slots.status.className = `badge ${job.status}`;
    slots.retry.hidden = job.status !== "failed";
    slots.cancel.hidden = FINAL.has(job.status);
    slots.facts.replaceChildren(...facts(job));
    slots["error-section"].hidden = !job.error;
    slots.error.textContent = job.error ? `${job.error.code}: ${job.error.message}` : "";
    slots.payload.textContent = JSON.stringify(job.payload, null, 2);
    slots["result-section"].hidden = job.result === undefined;
    slots.result.textContent = job.result === undefined ? "" : JSON.stringify(job.result, null, 2);
    const history = job.history ?? [];
    slots.attempts.replaceChildren(...(history.length ? history.map(attemptRow) : [emptyRow(6, "Not started yet.")]));
  };

  // Watches the job until it ends, so a retried job can be seen to run and finish.
  const watch = () =>
    every(JOB_REFRESH_MS, async () => {
      try {
        show(await api("GET", `/v1/admin/jobs/${enc(id)}`));
        refreshed();
        return !FINAL.has(job.status);
      } catch (err) {
        return handleFailure(err, true) && !(err instanceof ApiError && err.status === 404);
      }
    });
  stopRefresh = watch();

  askThenAct(
    slots.retry,
    () => ({
      title: "Retry this job?",
      body: "It is queued again with a new seq at the tail of its line and its full allowance of attempts. Its failure stays in its history.",
      confirm: "Retry job",
    }),
    async () => {
      show(await api("POST", `/v1/admin/jobs/${enc(id)}/retry`));
      notify(`Job queued again with seq ${job.seq}.`);
      stopRefresh();
      stopRefresh = watch();
    },
  );

  askThenAct(
    slots.cancel,
    () => ({
      title: "Cancel this job?",
      body: "A queued job, or one waiting out a retry, ends now and its line moves on; a running job's handler is stopped. This cannot be undone.",
      confirm: "Cancel job",
      keep: "Don't cancel",
      danger: true,
    }),
    async () => {
      show(await api("POST", `/v1/admin/jobs/${enc(id)}/cancel`));
      notify("Job canceled.");
    },
  );
}

function facts(job) {
  const items = [
    ["Type", job.type],
    ["Queue", job.queue],
    ["Line", job.line],
    ["Group", job.group ?? "—"],
    ["Owner", link(`/admin/jobs?owner=${enc(job.ownerId)}`, job.ownerEmail ?? job.ownerId)],
    ["Seq", job.seq === null ? "—" : String(job.seq)],
    ["Attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["Next attempt", job.retryAt ? time(job.retryAt) : null],
    ["Worker", job.workerId ?? null],
    ["Created", time(job.createdAt)],
    ["Started", time(job.startedAt)],
    ["Finished", time(job.finishedAt)],
  ];
  return items
    .filter(([, value]) => value !== null)
    .map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value)));
}

function attemptRow(attempt) {
  return row(
    String(attempt.attempt),
    el("td", { class: "mono" }, attempt.workerId),
    el("td", { class: "nowrap" }, time(attempt.startedAt)),
    el("td", { class: "nowrap" }, time(attempt.endedAt)),
    el("td", {}, badge(attempt.outcome)),
    attempt.error ? `${attempt.error.code}: ${attempt.error.message}` : "",
  );
}

async function groupsView(params) {
  const { fragment, slots } = fromTemplate("view-groups");
  showView(fragment);
  try {
    const name = params.get("queue") ?? (await api("GET", "/v1/admin/queues")).items[0]?.name;
    slots.queue.textContent = `queue ${name}`;
    const { items } = await api("GET", `/v1/admin/queues/${enc(name)}/groups?limit=100`);
    slots.rows.replaceChildren(...(items.length ? items.map(groupRow) : [emptyRow(5, "No job is queued.")]));
  } catch (err) {
    handleFailure(err);
  }
}

function groupRow(line) {
  const owner = line.ownerId ? link(`/admin/jobs?owner=${enc(line.ownerId)}`, line.ownerId) : "—";
  const group = line.group
    ? link(`/admin/jobs?owner=${enc(line.ownerId)}&group=${enc(line.group)}&status=queued`, line.group)
    : "—";
  return row(
    el("td", { class: "mono" }, line.line),
    el("td", { class: "mono" }, owner),
    el("td", { class: "mono" }, group),
    line.queued.toLocaleString(),
    el("td", { class: "nowrap" }, time(line.oldestCreatedAt)),
  );
}

async function auditView(params) {
  const { fragment, slots } = fromTemplate("view-audit");
  showView(fragment);
  await showPage(slots, "/v1/admin/audit", new URLSearchParams(), params, auditRow, "Nothing yet.");
}

function auditRow(entry) {
  const jobId = typeof entry.target.jobId === "string" ? entry.target.jobId : null;
  const target = jobId ? link(`/admin/jobs/${enc(jobId)}`, `job ${jobId}`) : JSON.stringify(entry.target);
  return row(
    el("td", { class: "nowrap" }, time(entry.at)),
    entry.actorEmail,
    el("td", { class: "mono" }, entry.action),
    el("td", { class: "mono" }, target),
    String(entry.count),
  );
}

boot();
