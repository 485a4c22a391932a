import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createTwoFilesPatch } from "diff";
import { html as diffToHtml } from "diff2html";
import type { FileOutcome, PhaseResult } from "../runner/codemod-runner.ts";

const require = createRequire(import.meta.url);

/**
 * Renders a phase result as one self-contained HTML page (inline CSS, no scripts, no network): a summary, then per
 * file its handlers with classification and evidence, its manual-review items with their reasons, notes, and a side by
 * side diff drawn by diff2html.
 *
 * @example writeFileSync("review.html", renderHtmlReport(runPhase("reads", { target: "./app" }, { write: false })));
 */
export function renderHtmlReport(result: PhaseResult, options: { title?: string; dryRun?: boolean } = {}): string {
  const css = readFileSync(require.resolve("diff2html/bundles/css/diff2html.min.css"), "utf8");
  const relevant = result.files.filter((f) => f.changed || f.manualReview.length > 0 || f.error || f.sites.length > 0);
  const title = options.title ?? `tenant-kit ${result.phase}${options.dryRun ? " (dry run)" : ""}`;
  const { summary } = result;
  return (
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2328; }
  h1 { font-size: 22px; } h2 { font-size: 17px; margin: 0 0 8px; font-family: ui-monospace, monospace; }
  .summary { display: flex; gap: 16px; margin: 12px 0 24px; }
  .summary div { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; }
  .summary strong { display: block; font-size: 20px; }
  section.file { border: 1px solid #d0d7de; border-radius: 8px; padding: 16px; margin-bottom: 24px; }
  table.sites { border-collapse: collapse; margin: 8px 0; width: 100%; font-size: 13px; }
  table.sites th, table.sites td { border-bottom: 1px solid #eaeef2; padding: 4px 8px; ` +
    `text-align: left; vertical-align: top; }
  .badge { border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600; }
  .badge.read { background: #dafbe1; color: #116329; } .badge.write { background: #fff8c5; color: #7d4e00; }
  .badge.unknown { background: #ffebe9; color: #a40e26; }
  ul.review li { color: #a40e26; margin: 4px 0; } ul.review .hint { color: #57606a; }
  ul.notes li { color: #57606a; }
  .error { color: #a40e26; font-weight: 600; }
  .unchanged { color: #57606a; font-style: italic; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Repository: <code>${escapeHtml(result.rootDir)}</code></p>
<div class="summary" id="summary">
  <div><strong data-count="changed">${summary.changed}</strong>changed</div>
  <div><strong data-count="unchanged">${summary.unchanged}</strong>unchanged</div>
  <div><strong data-count="manual-review">${summary.manualReview}</strong>manual review</div>
  <div><strong data-count="errors">${summary.errors}</strong>errors</div>
</div>
${relevant.map((file) => renderFile(file)).join("\n")}
</body>
</html>
`
  );
}

/** Writes {@link renderHtmlReport} to `file`. @example writeHtmlReport("review.html", result, { dryRun: true }) */
export function writeHtmlReport(
  file: string,
  result: PhaseResult,
  options: { title?: string; dryRun?: boolean } = {},
): void {
  writeFileSync(file, renderHtmlReport(result, options));
}

function renderFile(file: FileOutcome): string {
  const sites = file.sites.length
    ? `<table class="sites"><thead><tr><th>Handler</th><th>Wrapper</th>` +
      `<th>Classification</th><th>Action</th><th>Evidence</th></tr></thead><tbody>${file.sites
        .map(
          (site) =>
            `<tr data-line="${site.location.line}"><td>${escapeHtml(site.methods.join(", ") || site.functionName)}` +
            ` <small>line ${site.location.line}</small></td>` +
            `<td>${escapeHtml(site.wrapper)}${site.wrapperVersion === 2 ? " (V2)" : ""}</td>` +
            `<td><span class="badge ${site.classification}">${site.classification}</span></td>` +
            `<td>${escapeHtml(site.action)}</td><td>${site.evidence.map((e) => escapeHtml(e)).join("<br>")}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  const review = file.manualReview.length
    ? `<h3>Manual review</h3><ul class="review">${file.manualReview
        .map(
          (item) =>
            `<li data-reason="${item.reason}">` +
            `<code>${escapeHtml(`${item.location.file}:${item.location.line}:${item.location.column}`)}</code>` +
            ` <strong>${item.reason}</strong>: ${escapeHtml(item.detail)}` +
            `<br><span class="hint">${escapeHtml(item.hint)}</span></li>`,
        )
        .join("")}</ul>`
    : "";
  const notes = file.notes.length
    ? `<ul class="notes">${file.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`
    : "";
  const error = file.error ? `<p class="error">${escapeHtml(`${file.error.code}: ${file.error.message}`)}</p>` : "";
  const diff = file.changed
    ? diffToHtml(createTwoFilesPatch(`a/${file.file}`, `b/${file.file}`, file.before, file.after), {
        outputFormat: "side-by-side",
        drawFileList: false,
        matching: "lines",
      })
    : `<p class="unchanged">No change.</p>`;
  return (
    `<section class="file" data-file="${escapeHtml(file.file)}"><h2>${escapeHtml(file.file)}</h2>` +
    `${sites}${review}${notes}${error}${diff}</section>`
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
