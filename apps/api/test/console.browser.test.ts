// The operations console in a real browser: Debian's chromium driven by playwright-core, against the real api and
// worker processes, redis-server and the Mongo-wire server. Each test is something an operator does. Every request the
// page makes to anywhere but the api is blocked and fails the test (the console works offline: no CDN).
// CONSOLE_SCREENSHOTS_DIR=docs/console refreshes the screenshots in docs/operations.md.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type AppProcess,
  createTestContext,
  grantAdmin,
  linesWithSecrets,
  REPO_ROOT,
  spawnApp,
  type TestContext,
} from "@lineup/testkit";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "./browser";

const ADMIN = "ops@example.com";
const PASSWORD = "console password 1";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SHOTS = process.env.CONSOLE_SCREENSHOTS_DIR;

let ctx: TestContext;
let api: AppProcess;
let worker: AppProcess;
let browser: Browser;
let target: ReturnType<typeof flakyTarget>;
let adminToken: string;
let userToken: string;
/** Per test: what the page tried to reach outside the api, and what went wrong inside it. */
let offsite: string[] = [];
let pageErrors: string[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const executablePath = chromiumPath();
  ctx = await createTestContext("console");
  target = flakyTarget();
  const env = {
    ...ctx.env,
    HTTP_JOB_ALLOWED_NETWORKS: "127.0.0.0/8",
    RETRY_BACKOFF_MS: "50",
    // Small, so a person who keeps guessing is stopped within the test.
    LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: "3",
    WORKER_ID: "w-console",
    LOG_LEVEL: "warn",
  };
  [api, worker, browser] = await Promise.all([
    spawnApp("api", env),
    spawnApp("worker", env),
    chromium.launch({
      executablePath,
      args: CHROMIUM_ARGS,
    }),
  ]);
  // The operator registers, is granted admin with the admin command, and logs in again.
  await account(ADMIN);
  await grantAdmin(ctx.env, ADMIN);
  adminToken = await account(ADMIN);
  userToken = await account("someone@example.com");
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  expect({ offsite, pageErrors }).toEqual({ offsite: [], pageErrors: [] });
  offsite = [];
  pageErrors = [];
});

afterAll(async () => {
  await browser?.close();
  target?.stop();
  const lines = [...(api?.lines ?? []), ...(worker?.lines ?? [])];
  await Promise.all([api?.stop("SIGKILL"), worker?.stop("SIGKILL")]);
  await ctx?.cleanup();
  expect(linesWithSecrets(lines, [PASSWORD])).toEqual([]);
});

/** An http target that answers 500 until it is told to succeed. */
function flakyTarget() {
  let healthy = false;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => (healthy ? Response.json({ delivered: true }) : new Response("down for maintenance", { status: 500 })),
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    heal: () => {
      healthy = true;
    },
    stop: () => server.stop(true),
  };
}

async function call(method: string, path: string, token?: string, body?: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function account(email: string): Promise<string> {
  await call("POST", "/v1/auth/register", undefined, { email, password: PASSWORD });
  const res = await call("POST", "/v1/auth/login", undefined, { email, password: PASSWORD });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function submit(job: Record<string, unknown>): Promise<string> {
  const res = await call("POST", "/v1/jobs", userToken, job);
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function statusOf(id: string): Promise<string> {
  return ((await (await call("GET", `/v1/admin/jobs/${id}`, adminToken)).json()) as { status: string }).status;
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A fresh browser profile (no token) with a page that may reach the api only. */
async function openConsole(viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport, baseURL: api.url, isMobile: viewport === PHONE });
  contexts.push(context);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || new URL(url).origin === api.url) return route.continue();
    offsite.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/.test(msg.text())) pageErrors.push(msg.text());
  });
  return page;
}

async function logIn(page: Page, email = ADMIN, password = PASSWORD): Promise<void> {
  if (!page.url().startsWith(api.url)) await page.goto("/admin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function loggedIn(path = "/admin", viewport = DESKTOP): Promise<Page> {
  const page = await openConsole(viewport);
  await page.goto(path);
  await logIn(page);
  await page.getByRole("button", { name: "Log out" }).waitFor();
  return page;
}

/** Waits until the locator's text matches. */
async function textOf(locator: Locator, expected: RegExp, ms = 15_000): Promise<string> {
  return until(
    async () => {
      const text = (await locator.textContent()) ?? "";
      return expected.test(text) && text;
    },
    `${locator} to read ${expected}`,
    ms,
  );
}

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (!SHOTS) return;
  const dir = join(REPO_ROOT, SHOTS);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), animations: "disabled", fullPage });
}

async function queuePaused(): Promise<boolean> {
  return ((await (await call("GET", "/readyz")).json()) as { queue: { paused: boolean } }).queue.paused;
}

describe("the operations console", () => {
  it("logs in and sees the queue overview", async () => {
    const ids = await Promise.all([1, 2, 3].map((n) => submit({ type: "echo", payload: { n } })));
    await until(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === "succeeded"), "echo jobs");
    const page = await loggedIn();

    await page.getByRole("heading", { name: `Queue ${ctx.queueName}` }).waitFor();
    expect(await page.locator(".queue-head .badge").textContent()).toBe("Running");
    await until(async () => Number(await page.locator('[data-slot="succeeded"]').textContent()) >= 3, "the counts");
    await page.getByRole("cell", { name: "w-console" }).waitFor();
    expect(await page.locator("#who").textContent()).toBe(ADMIN);
    expect(await page.locator('#nav a[aria-current="page"]').textContent()).toBe("Overview");

    // It refreshes by itself: a job submitted now shows up in the counts without a reload.
    const before = Number(await page.locator('[data-slot="succeeded"]').textContent());
    await submit({ type: "echo", payload: "one more" });
    await textOf(page.locator('[data-slot="succeeded"]'), new RegExp(`^${before + 1}$`), 10_000);
    await screenshot(page, "overview");

    // The skip link is the first stop for the keyboard, and it lands on the content (the token outlives a reload).
    await page.reload();
    await page.getByRole("heading", { name: `Queue ${ctx.queueName}` }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    expect(await page.locator("#notice").textContent()).toBe("You are logged out.");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("draws the queue over time: 30 jobs that succeed and 5 that fail show in the charts, by the hour and the day", async () => {
    const page = await loggedIn();
    const finished = page.locator("figure").filter({ hasText: "Jobs finished" }).locator("svg");
    await finished.waitFor();
    // What the chart sums over its bars: each bar carries its counts.
    const totals = async (chart = finished) =>
      chart.evaluate((svg) => {
        const sum = (name: string) =>
          [...svg.querySelectorAll(".bar")].reduce((n, bar) => n + Number(bar.getAttribute(`data-${name}`) ?? 0), 0);
        return { bars: svg.querySelectorAll(".bar").length, succeeded: sum("succeeded"), failed: sum("failed") };
      });
    const before = await totals();
    expect(before.bars).toBe(60);

    const ok = Array.from({ length: 30 }, (_, n) => submit({ type: "echo", payload: { n }, group: "charted" }));
    // The target answers 500 and each may try once: 5 jobs failed for good.
    const bad = Array.from({ length: 5 }, () =>
      submit({ type: "http", payload: { url: target.url, method: "POST" }, maxAttempts: 1 }),
    );
    const ids = await Promise.all([...ok, ...bad]);
    await until(
      async () => (await Promise.all(ids.map(statusOf))).every((s) => s !== "queued" && s !== "running"),
      "35 jobs",
    );
    const want = { bars: 60, succeeded: before.succeeded + 30, failed: before.failed + 5 };
    await until(
      async () => JSON.stringify(await totals()) === JSON.stringify(want),
      "the charts to count them",
      10_000,
    );
    // The newest bars hold them (the run may straddle a minute), each bar saying its numbers in words too.
    const recent = await finished.evaluate((svg) =>
      [...svg.querySelectorAll(".bar")].slice(-2).map((bar) => bar.querySelector("title")?.textContent ?? ""),
    );
    expect(recent.join(" ")).toMatch(/succeeded/);
    const waits = page.locator("figure").filter({ hasText: "Wait in line" }).locator("circle");
    expect(await waits.count()).toBeGreaterThan(0);
    await screenshot(page, "overview-charts", true);

    // The day: 96 bars of 15 minutes, the same totals.
    await page.getByRole("button", { name: "Last 24 hours" }).click();
    expect(await page.getByRole("button", { name: "Last 24 hours" }).getAttribute("aria-pressed")).toBe("true");
    await until(async () => (await totals()).bars === 96, "the day's bars");
    const day = await totals();
    expect({ succeeded: day.succeeded, failed: day.failed }).toEqual({
      succeeded: want.succeeded,
      failed: want.failed,
    });
  });

  it("finds a failed job and retries it from its detail page, then watches it succeed", async () => {
    const id = await submit({
      type: "http",
      payload: { url: target.url, method: "POST", body: JSON.stringify({ order: 42 }) },
      maxAttempts: 2,
    });
    await until(async () => (await statusOf(id)) === "failed", "the job to fail");
    const page = await loggedIn();

    await page.getByRole("link", { name: "Failed jobs" }).click();
    await page.getByRole("link", { name: id }).click();
    await page.getByRole("heading", { name: `Job ${id}` }).waitFor();
    await textOf(page.locator('[data-slot="status"]'), /^failed$/);
    expect(await page.locator('[data-slot="error"]').textContent()).toContain("500");
    expect(await page.locator('[data-slot="attempts"] tr').count()).toBe(2);

    target.heal();
    await page.getByRole("button", { name: "Retry job" }).click();
    const dialog = page.getByRole("dialog", { name: "Retry this job?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Retry job" }).click();
    await textOf(page.locator("#notice"), /queued again/);
    await textOf(page.locator('[data-slot="status"]'), /^succeeded$/);
    const outcomes = await page.locator('[data-slot="attempts"] tr td:nth-child(5)').allTextContents();
    expect(outcomes).toEqual(["retry", "failed", "succeeded"]);
    expect(await page.locator('[data-slot="result"]').textContent()).toContain('"status": 200');
    expect(await page.getByRole("button", { name: "Retry job" }).isHidden()).toBe(true);
    await screenshot(page, "job", true);
  });

  it("pauses and resumes the queue with confirmation", async () => {
    const page = await loggedIn();
    await page.getByRole("heading", { name: `Queue ${ctx.queueName}` }).waitFor();

    // From the keyboard: Tab to the button, Enter asks, Escape keeps the queue running.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent)) === "Pause queue") break;
    }
    expect(await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).toBe("solid");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Pause queue ${ctx.queueName}?` });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Keep as is");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await queuePaused()).toBe(false);

    // Enter again, then Tab to the confirming button.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Pause queue");
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Pause queue");
    await page.keyboard.press("Enter");
    await textOf(page.locator(".queue-head .badge"), /^Paused$/);
    expect(await queuePaused()).toBe(true);

    await page.getByRole("button", { name: "Resume queue" }).click();
    await page
      .getByRole("dialog", { name: `Resume queue ${ctx.queueName}?` })
      .getByRole("button", { name: "Resume queue" })
      .click();
    await textOf(page.locator(".queue-head .badge"), /^Running$/);
    expect(await queuePaused()).toBe(false);

    await page.getByRole("link", { name: "Audit log" }).click();
    const actions = await until(async () => {
      const texts = await page.locator('[data-slot="rows"] tr td:nth-child(3)').allTextContents();
      return texts.length >= 2 && texts;
    }, "the audit log");
    expect(actions.slice(0, 2)).toEqual(["queue.resume", "queue.pause"]);
    expect(await page.locator('[data-slot="rows"] tr td:nth-child(2)').first().textContent()).toBe(ADMIN);
  });

  it("finds a waiting job through its group and cancels it from its detail page", async () => {
    expect((await call("POST", `/v1/admin/queues/${ctx.queueName}/pause`, adminToken)).status).toBe(200);
    try {
      const id = await submit({ type: "echo", group: "cancel-me", payload: "never runs" });
      const page = await loggedIn();
      await page.getByRole("link", { name: "Groups", exact: true }).click();
      const line = page.getByRole("row").filter({ hasText: "cancel-me" });
      expect(await line.locator("td:nth-child(4)").textContent()).toBe("active");
      expect(await line.locator("td:nth-child(5)").textContent()).toBe("1");
      expect(await line.locator("td:nth-child(6)").textContent()).toMatch(/^\d+ s$/);
      await line.getByRole("link", { name: "cancel-me" }).click();
      await page.getByRole("link", { name: id }).click();
      await textOf(page.locator('[data-slot="status"]'), /^queued$/);

      await page.getByRole("button", { name: "Cancel job" }).click();
      const dialog = page.getByRole("dialog", { name: "Cancel this job?" });
      await dialog.getByRole("button", { name: "Don't cancel" }).click();
      expect(await statusOf(id)).toBe("queued");
      await page.getByRole("button", { name: "Cancel job" }).click();
      await dialog.getByRole("button", { name: "Cancel job" }).click();
      await textOf(page.locator('[data-slot="status"]'), /^canceled$/);
      expect(await statusOf(id)).toBe("canceled");
    } finally {
      await call("POST", `/v1/admin/queues/${ctx.queueName}/resume`, adminToken);
    }
  });

  it("retries the job that halted a group from the groups page, and the group runs on", async () => {
    const group = "halt-me";
    const failing = flakyTarget();
    try {
      const halting = await submit({
        type: "http",
        group,
        onFailure: "halt",
        maxAttempts: 1,
        payload: { url: failing.url, method: "GET" },
      });
      const next = await submit({ type: "echo", group, payload: "after" });
      const userGroup = async () =>
        (await (await call("GET", `/v1/groups/${group}`, userToken)).json()) as { state: string };
      await until(async () => (await userGroup()).state === "halted", "the group to halt");

      const page = await loggedIn("/admin/groups");
      const stopped = page.getByRole("row").filter({ hasText: group }).filter({ hasText: "halted" });
      await stopped.getByRole("link", { name: halting }).waitFor();
      failing.heal();
      await stopped.getByRole("button", { name: "Retry failed job" }).click();
      const dialog = page.getByRole("dialog", { name: `Retry failed job: group ${group}?` });
      await dialog.getByRole("button", { name: "Retry failed job" }).click();
      await textOf(page.locator("#notice"), /runs again/);
      await until(
        async () => (await Promise.all([halting, next].map(statusOf))).every((s) => s === "succeeded"),
        "both jobs to succeed",
      );
      expect((await userGroup()).state).toBe("active");
    } finally {
      failing.stop();
    }
  });

  it("lists every user's schedules with their next and last run", async () => {
    const res = await call("POST", "/v1/schedules", userToken, {
      name: "nightly report",
      cron: "0 3 * * *",
      timezone: "Europe/Paris",
      job: { type: "echo", payload: { report: true }, group: "reports" },
    });
    expect(res.status).toBe(201);
    const page = await loggedIn();
    await page.getByRole("link", { name: "Schedules" }).click();
    await page.getByRole("heading", { name: "Schedules" }).waitFor();
    expect(await page.locator('#nav a[aria-current="page"]').textContent()).toBe("Schedules");
    const row = page.getByRole("row").filter({ hasText: "nightly report" });
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(2, 5)).toEqual(["0 3 * * * (Europe/Paris)", "echo in reports", "active"]);
    expect(cells[5]).not.toBe("—");
    expect(cells[6]).toBe("never");
    await screenshot(page, "schedules");
  });

  it("redrives the failed jobs a filter finds", async () => {
    const group = "redrive-me";
    const failing = flakyTarget();
    try {
      const ids = await Promise.all(
        [1, 2].map(() => submit({ type: "http", group, payload: { url: failing.url, method: "GET" }, maxAttempts: 1 })),
      );
      await until(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === "failed"), "jobs to fail");
      failing.heal();
      const page = await loggedIn("/admin/jobs");
      await page.getByLabel("Status").selectOption("failed");
      await page.getByLabel("Group").fill(group);
      await page.getByRole("button", { name: "Show jobs" }).click();
      await page.waitForURL(/\/admin\/jobs\?status=failed&group=redrive-me$/);
      await until(async () => (await page.locator('[data-slot="rows"] tr').count()) === 2, "two failed jobs listed");

      await page.getByRole("button", { name: "Retry failed jobs matching this filter" }).click();
      const dialog = page.getByRole("dialog", { name: "Retry failed jobs?" });
      expect(await dialog.textContent()).toContain(`group ${group}`);
      await dialog.getByRole("button", { name: "Retry failed jobs" }).click();
      await textOf(page.locator("#notice"), /^2 failed jobs queued again\.$/);
      await until(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === "succeeded"), "a rerun");
    } finally {
      failing.stop();
    }
  });

  it("shows a hostile payload as text", async () => {
    const hostile = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
    const id = await submit({ type: "echo", payload: { note: hostile } });
    await until(async () => (await statusOf(id)) === "succeeded", "the echo job");
    const page = await loggedIn(`/admin/jobs/${id}`);
    await textOf(page.locator('[data-slot="status"]'), /^succeeded$/);
    expect(await page.locator('[data-slot="payload"]').textContent()).toContain(hostile.replaceAll('"', '\\"'));
    expect(await page.locator('[data-slot="result"]').textContent()).toContain("<img src=x onerror=");
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.title()).toBe("Lineup console");
  });

  it("tells a person why they cannot get in: wrong password, no admin role, too many tries", async () => {
    const page = await openConsole();
    await page.goto("/admin");
    /** Logs in and waits for the API's answer to the login. */
    const attempt = async (email: string, password: string) => {
      const answer = page.waitForResponse((res) => res.url().endsWith("/v1/auth/login"));
      await logIn(page, email, password);
      return (await answer).status();
    };

    expect(await attempt(ADMIN, "not the password")).toBe(401);
    await textOf(page.getByRole("alert"), /^Email or password is wrong\.$/);

    expect(await attempt("someone@example.com", PASSWORD)).toBe(200);
    await textOf(page.getByRole("alert"), /someone@example\.com is not an operator/);
    await textOf(page.getByRole("alert"), /lineup-api admin grant someone@example\.com/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByRole("button", { name: "Log out" }).isHidden()).toBe(true);

    await account("guessed@example.com");
    for (let i = 0; i < 3; i++) expect(await attempt("guessed@example.com", `guess number ${i}`)).toBe(401);
    expect(await attempt("guessed@example.com", PASSWORD)).toBe(429);
    await textOf(page.getByRole("alert"), /Try again in \d+ s\.$/);
  });

  it("fits a phone: no sideways scrolling, the controls in reach", async () => {
    const page = await loggedIn("/admin", PHONE);
    await page.getByRole("heading", { name: `Queue ${ctx.queueName}` }).waitFor();
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await fits()).toBe(true);
    for (const control of [
      page.getByRole("button", { name: "Pause queue" }),
      page.getByRole("button", { name: "Log out" }),
      page.getByRole("link", { name: "Jobs", exact: true }),
    ]) {
      const box = await control.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    }
    await screenshot(page, "phone");

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.locator('[data-slot="rows"] tr').first().waitFor();
    expect(await fits()).toBe(true);
    // The wide table scrolls inside its own box instead of the page.
    expect(await page.locator(".table-wrap").evaluate((box) => box.scrollWidth > box.clientWidth)).toBe(true);
    const showJobs = await page.getByRole("button", { name: "Show jobs" }).boundingBox();
    expect(showJobs && showJobs.x + showJobs.width <= PHONE.width).toBe(true);
  });
});
