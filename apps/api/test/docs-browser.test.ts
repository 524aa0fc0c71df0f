// The API reference as a person sees it: Debian's headless Chromium opens /docs with every request that would leave
// the api's own origin blocked, so the page must render from the api alone (no CDN, no internet).
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestContext, REPO_ROOT, type TestContext } from "@lineup/testkit";
import { type BrowserContext, chromium } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "./browser";
import { makeApp } from "./support";

let ctx: TestContext;
let server: { stop: () => unknown; origin: string };
let browser: BrowserContext;
let userDataDir: string;
const screenshots = mkdtempSync(join(tmpdir(), "lineup-docs-"));

beforeAll(async () => {
  const executablePath = chromiumPath();
  ctx = await createTestContext("docs-browser");
  const api = await makeApp(ctx);
  const listening = api.app.listen({ hostname: "127.0.0.1", port: 0 });
  server = { stop: () => listening.stop(), origin: `http://127.0.0.1:${listening.server?.port}` };
  userDataDir = mkdtempSync(join(tmpdir(), "lineup-chromium-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(userDataDir, { recursive: true, force: true });
  await ctx?.cleanup();
});

describe("API reference page", () => {
  it("shows the route list with no network: nothing is asked of any origin but the api's, and the CSP refuses nothing", async () => {
    const offOrigin: string[] = [];
    const failed: string[] = [];
    await browser.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === server.origin) return route.continue();
      offOrigin.push(url);
      return route.abort("blockedbyclient");
    });
    const page = await browser.newPage();
    page.on("response", (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });

    const docs = await page.goto(`${server.origin}/docs`);
    expect(docs?.headers()["content-security-policy"]).toStartWith("default-src 'self';");
    await page.getByText("Submit a job", { exact: true }).waitFor({ timeout: 10_000 });
    for (const summary of [
      "Submit a batch of jobs",
      "Cancel a queued job",
      "Exchange email and password for a bearer token",
    ]) {
      await expect(page.getByText(summary, { exact: true }).count()).resolves.toBe(1);
    }
    // The stylesheet applied (served from the api, under the CSP): the POST badge has its colour.
    const badge = await page
      .locator(".opblock-post .opblock-summary-method")
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(badge).not.toBe("rgba(0, 0, 0, 0)");
    await page.waitForLoadState("networkidle");

    await page.screenshot({ path: join(screenshots, "docs-full.png"), fullPage: true });
    // The route list of jobs, as docs/api.md shows it.
    await page.locator("#operations-tag-jobs").scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -20));
    const shot = join(screenshots, "docs.png");
    await page.screenshot({ path: shot });
    // Refreshes the README's picture: UPDATE_DOCS_SCREENSHOT=1 bun test apps/api/test/docs-browser.test.ts
    if (process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(shot, join(REPO_ROOT, "docs/api-reference.png"));
    expect(offOrigin).toEqual([]);
    expect(failed).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });
});
