import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateReportApp, LARGE_APP } from "../../bench/report-app-generator.ts";
import { launchChromium } from "../../fixtures/browser/launch-chromium.ts";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";

// The review page of a reads run on a generated 440-route app, in real Chromium: the page keeps its DOM small (an
// index window, collapsed files, diffs drawn only in view) and filters over every file. Times are printed, not
// asserted (the machine is shared); `npm run bench:report` measures them side by side with the old one-long-page.
describe("--report on a 440-file run", () => {
  let app: ReturnType<typeof generateReportApp>;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    app = generateReportApp(LARGE_APP);
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, color: false, progress: false };
    const report = path.join(app.root, "review.html");
    await main(
      ["node", "tenant-kit", "migrate", path.join(app.root, "src/app"), "--phase", "reads", "--dry-run"].concat([
        "--report",
        report,
      ]),
      io,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(report).href);
    await page.waitForSelector("body[data-ready]");
    await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0);
    const paint = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]!.startTime);
    console.log(`440-file report: first contentful paint ${paint.toFixed(0)} ms (informational)`);
  });
  afterAll(async () => {
    await browser?.close();
    app?.cleanup();
  });

  it("opens with every file listed but only the first index rows, open files and diffs in view in the DOM", async () => {
    expect(await page.locator('[data-count="changed"]').textContent()).toBe("440");
    expect(await page.locator("section.file").count()).toBe(440);
    expect(await page.locator("#shown-count").textContent()).toBe("500 of 500 rows, 440 of 440 files");
    expect(await page.locator("#index-body tr[data-row]").count()).toBe(200);
    expect(await page.locator("#index-more").textContent()).toBe("show all 500 rows");
    // Open at first: the 20 manual-review files and the 2 groups' examples; the other 418 are a header line.
    expect(await page.locator('section.file[data-open="1"]').count()).toBe(22);
    expect(await page.locator("section.file .body:empty").count()).toBe(418);
    const drawn = await page.locator(".d2h-wrapper").count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(10);
  });

  it("groups the 420 identical swaps: 360 single swaps and 60 files that keep V1 for their POST", async () => {
    const headings = await page.locator(".group h3").allTextContents();
    expect(headings.map((h) => h.trim())).toEqual([
      "360 handlers in 360 files: the wrapper call and its import only",
      "60 handlers in 60 files: the same 2 edits (shown below, names of wrappers and strings abstracted)",
    ]);
    expect(await page.locator(".group").nth(1).locator("pre.shape").textContent()).toContain("+‹wrapper›V2");
  });

  it("filters all 440 files by text and by reason, and shows every row on request", async () => {
    const started = Date.now();
    await page.fill("#filter-text", "gen/mixed-1");
    const files = await page
      .locator("section.file:visible")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-file")));
    console.log(`text filter over 440 files: ${Date.now() - started} ms round trip (informational)`);
    // mixed-1 and mixed-10 .. mixed-19.
    expect(files).toHaveLength(11);
    for (const file of files) expect(file).toMatch(/^src\/app\/api\/gen\/mixed-1\d?\/route\.ts$/);
    await page.fill("#filter-text", "");
    await page.selectOption("#filter-reason", "dynamic-db-access");
    expect(await page.locator("section.file:visible").count()).toBe(20);
    expect(await page.locator(".group:visible").count()).toBe(0);
    await page.selectOption("#filter-reason", "");
    await page.click("#index-more");
    expect(await page.locator("#index-body tr[data-row]").count()).toBe(500);
    expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);
  });
});
