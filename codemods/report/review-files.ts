import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PhaseResult } from "../runner/codemod-runner.ts";
import { renderReportData } from "./html-report.ts";
import { renderPrSummary } from "./pr-summary.ts";
import { buildReportData } from "./report-data.ts";

/**
 * Writes what `migrate --report <html> --summary <md>` asks for from one {@link buildReportData}: the review page and
 * the pull-request summary, whose links point at the page relative to the summary's directory.
 *
 * @example writeReviewFiles(result, { dryRun: true, report: "review.html", summary: "pr.md" });
 */
export function writeReviewFiles(
  result: PhaseResult & { readonly notSelected?: readonly string[] },
  options: { readonly dryRun: boolean; readonly report?: string; readonly summary?: string },
): void {
  const data = buildReportData(result, { dryRun: options.dryRun });
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  if (options.report) write(path.resolve(options.report), renderReportData(data));
  if (options.summary) {
    const summary = path.resolve(options.summary);
    const reportHref = options.report
      ? path.relative(path.dirname(summary), path.resolve(options.report)).split(path.sep).join("/")
      : undefined;
    write(summary, renderPrSummary(data, reportHref ? { reportHref } : {}));
  }
}
