// The console's files as the api serves them: one page for every view, its own tight CSP, nothing inline.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestContext, type TestContext } from "@lineup/testkit";
import { CONSOLE_CSP } from "../src/middlewares/security-headers";
import { makeApp } from "./support";

let ctx: TestContext;
let api: Awaited<ReturnType<typeof makeApp>>;

beforeAll(async () => {
  ctx = await createTestContext("console");
  api = await makeApp(ctx);
});
afterAll(() => ctx.cleanup());

describe("the console's files", () => {
  it.each(["/admin", "/admin/jobs", "/admin/jobs/0123456789abcdef01234567", "/admin/groups", "/admin/audit"])(
    "serves the page at %s with the console's CSP",
    async (path) => {
      const res = await api.call("GET", path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.text).toContain('<script src="/admin/assets/console.js" defer></script>');
    },
  );

  it("serves the script and the stylesheet with their types, so nosniff lets them run", async () => {
    const script = await api.call("GET", "/admin/assets/console.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    const style = await api.call("GET", "/admin/assets/console.css");
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("has no inline script, inline style or outside address the CSP would have to allow", async () => {
    const { text } = await api.call("GET", "/admin");
    expect(text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const { text: script } = await api.call("GET", "/admin/assets/console.js");
    // Data goes in as text: the script never parses markup.
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    // SVG's namespace is a name, never fetched; any other address would be.
    expect(script.replaceAll("http://www.w3.org/2000/svg", "")).not.toMatch(/https?:\/\//);
  });

  it("keeps the API's strict CSP everywhere else", async () => {
    const res = await api.call("GET", "/healthz");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("answers 405 to other methods and 404 to unknown console paths, in the error shape", async () => {
    const post = await api.call("POST", "/admin");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    const missing = await api.call("GET", "/admin/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("documents the console's page, not its files, in OpenAPI", async () => {
    const { body } = await api.call("GET", "/docs/json");
    expect(Object.keys(body.paths["/admin"])).toEqual(["get"]);
    expect(Object.keys(body.paths).filter((p) => p.startsWith("/admin/"))).toEqual([]);
  });
});
