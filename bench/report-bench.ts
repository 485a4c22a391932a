// npm run bench:report: the review page of a reads run on a generated 440-route app (bench/report-app-generator.ts),
// opened in headless Chromium (fixtures/browser/launch-chromium.ts): time to first contentful paint, to the page's
// script being done (index, cards, filters), and to apply a filter (text, a select) including the layout it causes.
// Side by side in the same run: the same run drawn the way the report was before (every file's side-by-side diff
// rendered up front by diff2html into one long page), as the baseline.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createTwoFilesPatch } from "diff";
import { html as diffToHtml } from "diff2html";
import type { Browser } from "playwright-core";
import { renderHtmlReport } from "../codemods/report/html-report.ts";
import { runPhase } from "../codemods/runner/codemod-runner.ts";
import { launchChromium } from "../fixtures/browser/launch-chromium.ts";
import { percentile } from "./bench-timing.ts";
import { generateReportApp, LARGE_APP } from "./report-app-generator.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const require = createRequire(import.meta.url);

interface PageTimes {
  readonly firstPaint: number;
  readonly ready: number;
  readonly textFilter: number;
  readonly selectFilter: number;
}

/** The little of the DOM the timing reads (the package has no DOM types). */
interface PageDocument {
  getElementById(id: string): { value: string; dispatchEvent(event: Event): boolean };
  readonly body: { readonly offsetHeight: number };
}

async function measure(browser: Browser, file: string, interactive: boolean): Promise<PageTimes> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  if (interactive) await page.waitForSelector("body[data-ready]");
  // The paint entry is recorded once the frame is presented, which for a long page comes well after "load".
  await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0, undefined, {
    timeout: 120_000,
  });
  const times = await page.evaluate((withFilters) => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN;
    const ready = performance.getEntriesByName("tenant-kit-review-ready")[0]?.startTime ?? Number.NaN;
    if (!withFilters) return { firstPaint: paint, ready, textFilter: Number.NaN, selectFilter: Number.NaN };
    // A filter is applied synchronously on input; reading offsetHeight forces the layout it causes into the timing.
    const doc = (globalThis as unknown as { document: PageDocument }).document;
    const text = doc.getElementById("filter-text");
    let started = performance.now();
    text.value = "mixed-1";
    text.dispatchEvent(new Event("input"));
    void doc.body.offsetHeight;
    const textFilter = performance.now() - started;
    text.value = "";
    text.dispatchEvent(new Event("input"));
    const select = doc.getElementById("filter-reason");
    started = performance.now();
    select.value = "dynamic-db-access";
    select.dispatchEvent(new Event("change"));
    void doc.body.offsetHeight;
    return { firstPaint: paint, ready, textFilter, selectFilter: performance.now() - started };
  }, interactive);
  await page.close();
  return times;
}

const app = generateReportApp(LARGE_APP);
const out = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-report-bench-"));
let browser: Browser | undefined;
try {
  const result = runPhase("reads", { target: path.join(app.root, "src/app") }, { write: false });
  const started = performance.now();
  const report = renderHtmlReport(result, { dryRun: true });
  const renderMs = performance.now() - started;
  const reportFile = path.join(out, "review.html");
  writeFileSync(reportFile, report);

  const css = readFileSync(require.resolve("diff2html/bundles/css/diff2html.min.css"), "utf8");
  const baseline = result.files
    .filter((f) => f.changed)
    .map((f) =>
      diffToHtml(createTwoFilesPatch(`a/${f.file}`, `b/${f.file}`, f.before, f.after), {
        outputFormat: "side-by-side",
        drawFileList: false,
        matching: "lines",
      }),
    )
    .join("\n");
  const baselineFile = path.join(out, "baseline.html");
  writeFileSync(baselineFile, `<!doctype html><html><head><style>${css}</style></head><body>${baseline}</body></html>`);

  browser = await launchChromium();
  const runs = { page: [] as PageTimes[], baseline: [] as PageTimes[] };
  for (let i = 0; i < RUNS; i++) {
    runs.page.push(await measure(browser, reportFile, true));
    runs.baseline.push(await measure(browser, baselineFile, false));
  }
  const p50 = (times: PageTimes[], key: keyof PageTimes): number =>
    percentile(
      times.map((t) => t[key]).sort((a, b) => a - b),
      50,
    );
  const kb = (file: string): string => (statSync(file).size / 1024).toFixed(0);
  const { summary } = result;
  console.log(
    `Review page of a reads run: ${summary.changed} changed files, ${result.files.reduce((n, f) => n + f.sites.length, 0)} ` +
      `handlers, ${summary.manualReview} manual review; ${RUNS} page loads each, p50 (shared machine, noise included)\n`,
  );
  console.log("| page | size KB | first contentful paint ms | script done ms | text filter ms | select filter ms |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  const row = (name: string, file: string, times: PageTimes[]) =>
    `| ${name} | ${kb(file)} | ${p50(times, "firstPaint").toFixed(0)} | ${cellOf(p50(times, "ready"), 0)} | ` +
    `${cellOf(p50(times, "textFilter"), 1)} | ${cellOf(p50(times, "selectFilter"), 1)} |`;
  const cellOf = (ms: number, digits: number): string => (Number.isNaN(ms) ? "-" : ms.toFixed(digits));
  console.log(row("review page (lazy diffs)", reportFile, runs.page));
  console.log(row("baseline: every diff drawn up front", baselineFile, runs.baseline));
  const ratio = p50(runs.baseline, "firstPaint") / p50(runs.page, "firstPaint");
  console.log(
    `\nrenderHtmlReport: ${renderMs.toFixed(0)} ms in Node. First paint: the baseline takes ${ratio.toFixed(1)}x ` +
      `the review page's.`,
  );
} finally {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
  app.cleanup();
}
