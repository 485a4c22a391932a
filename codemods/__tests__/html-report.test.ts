import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { EXIT_CODES } from "../cli/exit-codes.ts";
import { copySalesApp } from "../../fixtures/sales-app-copy.ts";
import { launchChromium } from "../../fixtures/browser/launch-chromium.ts";

// The review page of `migrate --dry-run --report`, opened in real headless Chromium: the writes phase (spans, manual
// review) and the reads phase (groups of identical changes) of the sales fixture app.
describe("--report HTML review page", () => {
  let copy: ReturnType<typeof copySalesApp>;
  let browser: Browser;
  let writesReport: string;
  let readsReport: string;
  let exitCode: number;
  const io: CliIo = { stdout: () => undefined, stderr: () => undefined, color: false, progress: false };

  beforeAll(async () => {
    copy = copySalesApp();
    writesReport = path.join(copy.root, "writes.html");
    readsReport = path.join(copy.root, "reads.html");
    await main(["node", "tenant-kit", "migrate", copy.app, "--phase", "scaffold", "--force"], io);
    const appDir = path.join(copy.app, "src/app");
    exitCode = await main(
      ["node", "tenant-kit", "migrate", appDir, "--phase", "writes", "--dry-run", "--report", writesReport],
      io,
    );
    await main(["node", "tenant-kit", "migrate", appDir, "--phase", "reads", "--dry-run", "--report", readsReport], io);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    copy?.cleanup();
  });

  /** Opens a report, recording every request that is not the file itself. */
  async function open(file: string, page?: Page): Promise<{ page: Page; requests: string[] }> {
    const opened = page ?? (await browser.newPage({ viewport: { width: 1280, height: 900 } }));
    const requests: string[] = [];
    opened.on("request", (request) => requests.push(request.url()));
    opened.on("pageerror", (error) => requests.push(`pageerror: ${error.message}`));
    await opened.goto(pathToFileURL(file).href);
    await opened.waitForSelector("body[data-ready]");
    return { page: opened, requests };
  }
  const visibleCards = (page: Page): Promise<string[]> =>
    page.locator("section.file:visible").evaluateAll((els) => els.map((el) => el.getAttribute("data-file") ?? ""));

  it("is written, and the dry run reports manual review by its exit code", () => {
    expect(existsSync(writesReport)).toBe(true);
    expect(exitCode).toBe(EXIT_CODES.manualReview);
  });

  it("is one file that loads nothing: inline CSS and scripts, a CSP that forbids requests", async () => {
    const html = readFileSync(writesReport, "utf8");
    expect(html).not.toMatch(/<link |<script[^>]* src=|<img /);
    expect(html).toContain(`content="default-src 'none';`);
    const { page, requests } = await open(writesReport);
    // Every file's diff drawn (scrolling through the page) still requests nothing.
    await page.locator("section.file").evaluateAll((els) => {
      for (const card of els) card.scrollIntoView();
    });
    expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);
    await page.close();
  });

  it("lists manual-review files first, then write spans, each span with what it holds and what was hoisted", async () => {
    const { page } = await open(writesReport);
    expect(await page.title()).toBe("tenant-kit writes (dry run)");
    expect(await page.locator('[data-count="changed"]').textContent()).toBe("21");
    expect(await page.locator('[data-count="manual-review"]').textContent()).toBe("3");
    const sections = await page
      .locator("h2.section")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-section")));
    expect(sections.slice(0, 2)).toEqual(["review", "write"]);
    const cards = await visibleCards(page);
    const firstWrite = cards.indexOf("src/app/api/orders/route.ts");
    expect(cards.slice(0, 3).sort()).toEqual([
      "src/app/api/customers/export/route.ts",
      "src/app/api/plugins/run/route.ts",
      "src/app/api/reports/dynamic/route.ts",
    ]);
    expect(firstWrite).toBeGreaterThan(2);

    const dynamic = page.locator('section.file[data-file="src/app/api/reports/dynamic/route.ts"]');
    const item = dynamic.locator('ul.review li[data-reason="dynamic-db-access"]');
    expect(await item.textContent()).toContain("src/app/api/reports/dynamic/route.ts:10:");
    expect(await item.textContent()).toContain("computed key");

    const orders = page.locator('section.file[data-file="src/app/api/orders/route.ts"]');
    const rows = orders.locator("table.sites tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/GET[\s\S]*read[\s\S]*other-phase[\s\S]*listRecentOrders/);
    expect(await rows.nth(1).textContent()).toMatch(/POST[\s\S]*write[\s\S]*migrated[\s\S]*db\.inventory\.findUnique/);
    const span = orders.locator(".item.span");
    expect(await span.locator("ul.holds li").allTextContents()).toEqual([
      "read: db.inventory.findUnique at line 25",
      "write: db.inventory.update at line 31",
      "write: db.order.create at line 38",
      "write: db.invoice.create at line 41",
    ]);
    expect(await orders.locator(".stayed").textContent()).toContain("GET (line 8, read: another phase migrates it)");

    // The diff is drawn once the file scrolls into view, side by side.
    expect(await orders.locator(".diff[data-pending]").count()).toBe(1);
    await orders.scrollIntoViewIfNeeded();
    await expect.poll(() => orders.locator(".d2h-file-side-diff").count()).toBe(2);
    expect(
      await orders.locator(".d2h-ins").filter({ hasText: "withTenant(tenantId, async (tx) =>" }).count(),
    ).toBeGreaterThan(0);
    const panes = await orders
      .locator(".d2h-file-side-diff")
      .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().left));
    expect(panes[1]).toBeGreaterThan(panes[0]!);
    await page.close();
  });

  it("filters the index and the files by classification, reason, action and text", async () => {
    const { page } = await open(writesReport);
    const rows = page.locator("#index-body tr:visible");
    const all = await rows.count();
    await page.selectOption("#filter-classification", "unknown");
    expect(await rows.count()).toBe(3);
    expect(await visibleCards(page)).toHaveLength(3);
    await page.selectOption("#filter-classification", "");
    await page.selectOption("#filter-reason", "dynamic-db-access");
    expect(await visibleCards(page)).toEqual(["src/app/api/reports/dynamic/route.ts"]);
    await page.selectOption("#filter-reason", "");
    await page.selectOption("#filter-action", "write span");
    const spans = await rows.count();
    expect(spans).toBe(Number(await page.locator('[data-count="write-spans"]').textContent()));
    await page.selectOption("#filter-action", "");
    await page.fill("#filter-text", "inventory.update");
    // Only the orders POST's evidence names it.
    expect(await visibleCards(page)).toEqual(["src/app/api/orders/route.ts"]);
    expect(await rows.count()).toBe(1);
    await page.fill("#filter-text", "");
    expect(await rows.count()).toBe(all);
    await page.close();
  });

  it("groups identical changes: one example shown, the rest listed and not drawn", async () => {
    const { page } = await open(readsReport);
    const group = page.locator(".group").first();
    const heading = await group.locator("h3").textContent();
    expect(heading).toMatch(/^(\d+) handlers in (\d+) files: the wrapper call and its import only/);
    const members = await group
      .locator("section.file")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-open")));
    expect(members.length).toBe(Number(/in (\d+) files/.exec(heading!)![1]));
    expect(members.length).toBeGreaterThan(1);
    expect(members[0]).toBe("1");
    expect(members.slice(1).every((open) => open === "0")).toBe(true);
    // Only the example's body exists; the others are a one-line header until opened.
    expect(await group.locator(".rest section.file .body:empty").count()).toBe(members.length - 1);
    await group.scrollIntoViewIfNeeded();
    await expect.poll(() => group.locator("section.file").first().locator(".d2h-ins").count()).toBeGreaterThan(0);
    expect(await group.locator(".rest .d2h-wrapper").count()).toBe(0);
    // Files that need a look are not hidden in a group.
    expect(await page.locator('.group section.file[data-file="src/app/api/reports/dynamic/route.ts"]').count()).toBe(0);
    await page.close();
  });

  it("keeps per-file viewed state across a reload and collapses viewed files", async () => {
    const { page } = await open(writesReport);
    const card = page.locator('section.file[data-file="src/app/api/orders/route.ts"]');
    await card.locator(".viewed-input").check();
    expect(await card.getAttribute("data-open")).toBe("0");
    await page.reload();
    await page.waitForSelector("body[data-ready]");
    expect(await card.locator(".viewed-input").isChecked()).toBe(true);
    expect(await card.getAttribute("data-open")).toBe("0");
    expect(await page.locator('#index-body tr.viewed[data-file="src/app/api/orders/route.ts"]').count()).toBe(2);
    expect(await page.locator("#viewed-count").textContent()).toMatch(/^1 of \d+ files viewed$/);
    await page.check("#filter-unviewed");
    expect(await visibleCards(page)).not.toContain("src/app/api/orders/route.ts");
    // Another run's report (another id) does not share it.
    const other = await open(readsReport, await browser.newPage());
    expect(await other.page.locator("section.file.viewed").count()).toBe(0);
    await other.page.close();
    await page.close();
  });

  it("navigates with the keyboard: j/k files, n/p manual-review items and write spans; documented on the page", async () => {
    const { page } = await open(writesReport);
    expect(await page.locator("#keys").textContent()).toMatch(/j \/ k next \/ previous file.*n \/ p next/);
    const current = () => page.locator("section.file.current").getAttribute("data-file");
    const cards = await visibleCards(page);
    await page.keyboard.press("j");
    expect(await current()).toBe(cards[0]);
    await page.keyboard.press("j");
    expect(await current()).toBe(cards[1]);
    await page.keyboard.press("k");
    expect(await current()).toBe(cards[0]);
    await page.keyboard.press("n");
    const first = page.locator(".current-item");
    expect(await first.getAttribute("data-reason")).toBeTruthy();
    for (let i = 0; i < 3; i++) await page.keyboard.press("n");
    // After the 3 manual-review items come the write spans.
    expect(await page.locator(".current-item").getAttribute("class")).toContain("span");
    expect(await current()).toBe(cards[3]);
    await page.keyboard.press("p");
    expect(await page.locator(".current-item").getAttribute("data-reason")).toBeTruthy();
    // Typing in the search box does not navigate.
    await page.keyboard.press("/");
    await page.keyboard.type("jj");
    expect(await page.inputValue("#filter-text")).toBe("jj");
    await page.close();
  });

  it("exports the selected handlers and files as a list for migrate --only-from", async () => {
    const { page, requests } = await open(writesReport);
    await page.locator('#index-body tr[data-file="src/app/api/orders/route.ts"] .pick').nth(1).check();
    await page.locator('section.file[data-file="src/app/api/customers/route.ts"] .pick').check();
    const download = page.waitForEvent("download");
    await page.click("#export");
    expect(await page.inputValue("#selection-out")).toBe(
      "src/app/api/customers/route.ts\nsrc/app/api/orders/route.ts:17\n",
    );
    const file = await (await download).path();
    expect(readFileSync(file, "utf8")).toBe(await page.inputValue("#selection-out"));
    expect(requests.filter((url) => !url.startsWith("file://") && !url.startsWith("blob:"))).toEqual([]);
    await page.close();
  });

  it("opens the file and line a #f:<file>:<line> link names (the pull-request summary's links)", async () => {
    const page = await browser.newPage();
    await page.goto(`${pathToFileURL(writesReport).href}#f:src/app/api/orders/route.ts:17`);
    await page.waitForSelector("body[data-ready]");
    expect(await page.locator("section.file.current").getAttribute("data-file")).toBe("src/app/api/orders/route.ts");
    expect(await page.locator(".current-item").getAttribute("data-line")).toBe("17");
    await page.close();
  });
});
