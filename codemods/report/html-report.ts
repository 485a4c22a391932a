import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { PhaseResult } from "../runner/codemod-runner.ts";
import { buildReportData, type ReportData } from "./report-data.ts";
import { REVIEW_PAGE_KEYS, REVIEW_PAGE_SCRIPT } from "./review-page-script.ts";

const require = createRequire(import.meta.url);

/** What the review page shows besides the result. */
export interface HtmlReportOptions {
  readonly title?: string;
  readonly dryRun?: boolean;
  /** Picks of `migrate --only` left out of the run, listed on the page. */
  readonly notSelected?: readonly string[];
}

/**
 * Renders a phase result as one self-contained HTML page (inline CSS and script, no network) for reviewing a whole
 * run: an index of every handler (wrapper, V1/V2, classification, action, manual-review reasons) that filters by each
 * and by text; manual-review items and write spans first (each span with what it holds, what was hoisted out of it and
 * why); identical changes grouped with one example shown; per-file "viewed" kept in localStorage under the run's id;
 * keyboard navigation; a selection exported for `migrate --only-from`. The data is embedded as JSON and a file's
 * diff (diff2html's browser bundle, inlined) is drawn only when it scrolls into view, so 400 files open at once.
 *
 * @example writeFileSync("review.html", renderHtmlReport(runPhase("reads", { target: "./app" }, { write: false })));
 */
export function renderHtmlReport(result: PhaseResult, options: HtmlReportOptions = {}): string {
  return renderReportData(
    buildReportData(options.notSelected ? { ...result, notSelected: options.notSelected } : result, options),
  );
}

/** Renders already built {@link ReportData} (the CLI builds it once for the page and the summary). */
export function renderReportData(data: ReportData): string {
  const css = readFileSync(require.resolve("diff2html/bundles/css/diff2html.min.css"), "utf8");
  const diff2html = readFileSync(require.resolve("diff2html/bundles/js/diff2html.min.js"), "utf8");
  const { summary } = data;
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const spans = data.files.reduce((n, f) => n + f.handlers.filter((h) => h.span).length, 0);
  const keys = REVIEW_PAGE_KEYS.map(([key, what]) => `<kbd>${escapeHtml(key)}</kbd> ${escapeHtml(what)}`).join(" · ");
  const select = (name: string, all: string): string =>
    `<label>${name}<select id="filter-${name}" data-all="${all}"></select></label>`;
  return (
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(data.title)}</title>
<style>${css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p>Repository: <code>${escapeHtml(data.rootDir)}</code> · run <code id="run-id">${data.runId}</code> ·
<span id="viewed-count"></span></p>
<div class="summary" id="summary">
  <div><strong data-count="changed">${summary.changed}</strong>changed</div>
  <div><strong data-count="unchanged">${summary.unchanged}</strong>unchanged</div>
  <div><strong data-count="manual-review">${summary.manualReview}</strong>manual review</div>
  <div><strong data-count="errors">${summary.errors}</strong>errors</div>
  <div><strong data-count="write-spans">${spans}</strong>write spans</div>
  <div><strong data-count="groups">${data.groups.length}</strong>groups of identical changes</div>
</div>
${
  data.notSelected.length
    ? `<div class="not-selected" id="not-selected"><strong>Not applied (not selected with --only):</strong> ` +
      `${data.notSelected.map((n) => `<code>${escapeHtml(n)}</code>`).join(", ")}</div>`
    : ""
}
<p class="keys" id="keys">Keys: ${keys}</p>
<div class="filters" id="filters">
  ${select("wrapper", "every wrapper")} ${select("version", "V1 and V2")} ${select("classification", "every class")}
  ${select("action", "every action")} ${select("reason", "with or without reason")}
  ${select("section", "every section")}
  <label>text<input type="text" id="filter-text" placeholder="file, handler, evidence, reason"></label>
  <label><input type="checkbox" id="filter-unviewed"> hide viewed</label>
  <span id="shown-count"></span>
  <button id="export" type="button">Export selection</button> <span id="selection-count">0 selected</span>
  <textarea id="selection-out" hidden readonly rows="4" aria-label="selection for migrate --only-from"></textarea>
</div>
<div class="index"><table id="index"><thead><tr><th></th><th>File</th><th>Handler</th><th>Wrapper</th><th>V</th>` +
    `<th>Class</th><th>Action</th><th>Manual review</th><th></th></tr></thead>
<tbody id="index-body"></tbody></table></div>
<main id="files"></main>
<script type="application/json" id="report-data">${json}</script>
<script>${diff2html}</script>
<script>${REVIEW_PAGE_SCRIPT}</script>
</body>
</html>
`
  );
}

/** Writes {@link renderHtmlReport} to `file`. @example writeHtmlReport("review.html", result, { dryRun: true }) */
export function writeHtmlReport(file: string, result: PhaseResult, options: HtmlReportOptions = {}): void {
  writeFileSync(file, renderHtmlReport(result, options));
}

// Nothing but the page itself: a report attached to a pull request cannot load or send anything.
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const PAGE_CSS = `
  body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2328; }
  h1 { font-size: 22px; } h2.section { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
  h3 { font-size: 15px; margin: 8px 0; } h4 { font-size: 14px; margin: 10px 0 4px; }
  .summary { display: flex; gap: 16px; margin: 12px 0; flex-wrap: wrap; }
  .summary div { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; }
  .summary strong { display: block; font-size: 20px; }
  .keys { color: #57606a; font-size: 13px; } kbd { border: 1px solid #d0d7de; border-radius: 4px; padding: 0 4px; }
  .filters { position: sticky; top: 0; background: #fff; z-index: 5; padding: 8px 0; display: flex; gap: 10px;
    flex-wrap: wrap; align-items: center; font-size: 13px; border-bottom: 1px solid #d0d7de; }
  .filters label { display: inline-flex; gap: 4px; align-items: center; } #selection-out { width: 100%; }
  .index { max-height: 40vh; overflow: auto; border: 1px solid #d0d7de; border-radius: 6px; margin: 8px 0; }
  #index { border-collapse: collapse; width: 100%; font-size: 12px; }
  #index th { position: sticky; top: 0; background: #f6f8fa; text-align: left; }
  #index td, #index th { padding: 2px 6px; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
  #index tr.viewed td { color: #8c959f; } #index td.reasons { color: #a40e26; white-space: normal; }
  .group { border: 1px dashed #8c959f; border-radius: 8px; padding: 8px 12px; margin: 12px 0; }
  .group .rest section.file { margin: 4px 0; padding: 4px 10px; }
  pre.shape { background: #f6f8fa; padding: 6px; font-size: 12px; white-space: pre-wrap; }
  section.file { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; margin: 10px 0;
    scroll-margin-top: 110px; content-visibility: auto; contain-intrinsic-size: auto 48px; }
  .item, table.sites tr { scroll-margin-top: 130px; }
  section.file.current { outline: 3px solid #0969da; } section.file.viewed header .path { color: #8c959f; }
  section.file header { display: flex; gap: 10px; align-items: center; font-size: 13px; flex-wrap: wrap; }
  section.file header .path { font-family: ui-monospace, monospace; font-weight: 600; cursor: pointer; }
  section.file[data-open="0"] .body { display: none; }
  .toggle { border: none; background: none; cursor: pointer; font-size: 14px; }
  .stat .plus { color: #116329; } .stat .minus { color: #a40e26; } .stat { color: #57606a; }
  .current-item { outline: 3px solid #bf8700; }
  table.sites { border-collapse: collapse; margin: 8px 0; width: 100%; font-size: 13px; }
  table.sites th, table.sites td { border-bottom: 1px solid #eaeef2; padding: 4px 8px; text-align: left;
    vertical-align: top; }
  .badge { border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600; }
  .badge.read { background: #dafbe1; color: #116329; } .badge.write { background: #fff8c5; color: #7d4e00; }
  .badge.unknown { background: #ffebe9; color: #a40e26; }
  .tag { background: #ddf4ff; color: #0969da; border-radius: 6px; padding: 0 4px; }
  .item.span { background: #fffbe6; border-left: 4px solid #bf8700; padding: 4px 10px; margin: 8px 0; font-size: 13px; }
  .item.span p { margin: 4px 0; font-weight: 600; } .item.span .none { font-weight: normal; color: #57606a; }
  ul.review li { color: #a40e26; margin: 4px 0; } ul.review .hint { color: #57606a; }
  ul.notes li, .stayed { color: #57606a; font-size: 13px; }
  .error { color: #a40e26; font-weight: 600; } .unchanged, .loading { color: #57606a; font-style: italic; }
  .not-selected { background: #fff8c5; padding: 8px; border-radius: 6px; }
`;
