// GET /admin...: the operations console, static files the api serves itself. The pages hold no data: the script logs
// in with the API and calls /v1/admin/... with its token, so these routes need none. Their CSP is in security-headers.
import { Elysia } from "elysia";
import type { consoleAssets } from "../console/assets";

const HTML = "text/html; charset=utf-8";
const hide = { detail: { hide: true } };

type Assets = typeof consoleAssets;
// The console's files load when someone first opens it, not at start (from source, that includes bundling its script).
let assets: Promise<Assets> | undefined;
const load = () => (assets ??= import("../console/assets").then((m) => m.consoleAssets));

const serve =
  (pick: (a: Assets) => string, type: string) =>
  async ({ set }: { set: { headers: Record<string, unknown> } }) => {
    set.headers["content-type"] = type;
    return pick(await load());
  };

export const consoleRoutes = () => {
  const page = serve((a) => a.html, HTML);
  return (
    new Elysia({ name: "console-routes" })
      .get("/admin", page, {
        detail: {
          tags: ["console"],
          summary: "The operations console (log in with an admin account)",
          responses: {
            200: {
              description: "The console's page",
              content: { "text/html": { schema: { type: "string" }, example: "<!doctype html>..." } },
            },
          },
        },
      })
      // Every view is the same page; the script picks the view from the path.
      .get("/admin/jobs", page, hide)
      .get("/admin/jobs/:id", page, hide)
      .get("/admin/groups", page, hide)
      .get("/admin/schedules", page, hide)
      .get("/admin/audit", page, hide)
      .get(
        "/admin/assets/console.js",
        serve((a) => a.script, "text/javascript; charset=utf-8"),
        hide,
      )
      .get(
        "/admin/assets/console.css",
        serve((a) => a.style, "text/css; charset=utf-8"),
        hide,
      )
  );
};
