// The console's entry, where the bundle starts: starts the session, then shows the view the address names.
import { auditView } from "./audit";
import { el, showView } from "./dom";
import { groupsView } from "./groups";
import { jobView } from "./job";
import { jobsView } from "./jobs";
import { overviewView } from "./overview";
import { stopRefresh } from "./refresh";
import { schedulesView } from "./schedules";
import { startSession } from "./session";

/**
 * Shows the view the path names (/admin, /admin/jobs, /admin/jobs/<id>, /admin/groups, /admin/schedules,
 * /admin/audit), and marks its
 * link in the navigation as the current page.
 */
function route(): void {
  stopRefresh();
  const path = location.pathname.replace(/\/+$/, "");
  const params = new URLSearchParams(location.search);
  const job = /^\/admin\/jobs\/([^/]+)$/.exec(path);
  let current = "";
  if (path === "/admin") current = "overview";
  else if (path === "/admin/jobs") current = params.get("status") === "failed" ? "failed" : "jobs";
  else if (path === "/admin/groups") current = "groups";
  else if (path === "/admin/audit") current = "audit";
  else if (path === "/admin/schedules") current = "schedules";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("#nav a")) {
    if (a.dataset.view === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (current === "overview") overviewView();
  else if (current === "jobs" || current === "failed") jobsView(params);
  else if (job?.[1]) jobView(decodeURIComponent(job[1]));
  else if (current === "groups") void groupsView(params);
  else if (current === "audit") void auditView(params);
  else if (current === "schedules") void schedulesView(params);
  else showView(el("h1", {}, "No such page"));
}

void startSession(route);
