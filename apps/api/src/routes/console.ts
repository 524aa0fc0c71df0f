// GET /admin...: the operations console, static files the api serves itself. The pages hold no data: the script logs
// in with the API and calls /v1/admin/... with its token, so these routes need none. Their CSP is in security-headers.
import { Elysia } from "elysia";
import { consoleAssets } from "../console/assets";

const HTML = "text/html; charset=utf-8";
const hide = { detail: { hide: true } };

const serve =
  (body: string, type: string) =>
  ({ set }: { set: { headers: Record<string, unknown> } }) => {
    set.headers["content-type"] = type;
    return body;
  };

export const consoleRoutes = () => {
  const page = serve(consoleAssets.html, HTML);
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
      .get("/admin/assets/console.js", serve(consoleAssets.script, "text/javascript; charset=utf-8"), hide)
      .get("/admin/assets/console.css", serve(consoleAssets.style, "text/css; charset=utf-8"), hide)
  );
};
