import pc from "picocolors";
import { formatLocation } from "../errors/codemod-error.ts";
import type { PhaseResult } from "../runner/codemod-runner.ts";
import type { PhaseTypeCheck } from "../verify/verify-phase.ts";
import { coloredDiff } from "./diff-printer.ts";

/** The human output of a phase: diffs (dry run), manual-review items, notes, and the summary line. */
export function formatPhase(result: PhaseResult, dryRun: boolean, color: boolean, report?: string): string {
  const c = pc.createColors(color);
  const out: string[] = [];
  if (dryRun)
    for (const file of result.files) if (file.changed) out.push(coloredDiff(file.file, file.before, file.after, color));
  const review = result.files.flatMap((f) => f.manualReview);
  if (review.length) {
    out.push(c.bold("Manual review"));
    for (const item of review)
      out.push(`  ${formatLocation(item.location)}  ${c.red(item.reason)}: ${item.detail}\n      ${c.dim(item.hint)}`);
  }
  const notes = result.files.flatMap((f) => f.notes);
  if (notes.length) out.push(c.bold("Notes"), ...notes.map((n) => `  ${n}`));
  // A refusal of the whole phase is one error carried by every changed file: print it once.
  const errors = new Map<string, string[]>();
  for (const file of result.files)
    if (file.error) {
      const key = `${file.error.code}: ${file.error.message}`;
      errors.set(key, [...(errors.get(key) ?? []), file.file]);
    }
  for (const [error, files] of errors)
    out.push(`${c.red("error")} ${files.length > 1 ? `${files.length} files` : files[0]}: ${error}`);
  if (result.typeCheck) out.push(formatTypeCheck(result.typeCheck, c));
  const notSelected = "notSelected" in result ? (result.notSelected as readonly string[]) : [];
  if (notSelected.length)
    out.push(
      c.bold(`Not applied (not selected with --only): ${notSelected.length}`),
      ...notSelected.map((n) => `  ${n}`),
    );
  out.push(`${formatSummaryLine(result, dryRun, color)}${report ? `; report: ${report}` : ""}`);
  return `${out.join("\n")}\n`;
}

/** What the phase's type check proved: files compared, edits it refused. */
function formatTypeCheck(check: PhaseTypeCheck, c: ReturnType<typeof pc.createColors>): string {
  const refused =
    check.blocking.length > 0
      ? c.red(`${check.blocking.length} new errors outside the changed files: nothing is written`)
      : check.reverted > 0
        ? c.yellow(`${check.reverted} files left unchanged (their edit added tsc errors, listed above)`)
        : c.green("no new errors");
  return `type check (TypeScript ${check.typescriptVersion}, ${check.checkedFiles} files compared): ${refused}`;
}

/**
 * The last line of a phase's output: written or dry run, and the counts.
 * @example formatSummaryLine(result, true, false)
 * // "dry run, nothing written reads: 13 changed, 20 unchanged, 3 manual review, 0 errors"
 */
export function formatSummaryLine(result: PhaseResult, dryRun: boolean, color: boolean): string {
  const c = pc.createColors(color);
  const s = result.summary;
  return (
    `${dryRun ? c.cyan("dry run, nothing written") : c.cyan("written")} ${result.phase}: ` +
    `${c.green(`${s.changed} changed`)}, ${s.unchanged} unchanged` +
    `, ${s.manualReview ? c.red(`${s.manualReview} manual review`) : "0 manual review"}` +
    `, ${s.errors ? c.red(`${s.errors} errors`) : "0 errors"}`
  );
}

/** The `--json` output of a phase: its summary, type check and, per file with something to say, a plain diff. */
export function phaseJson(result: PhaseResult & { notSelected?: readonly string[] }): object {
  return {
    phase: result.phase,
    rootDir: result.rootDir,
    written: result.written,
    summary: result.summary,
    typeCheck: result.typeCheck,
    ...(result.notSelected ? { notSelected: result.notSelected } : {}),
    reviewSites: result.reviewSites,
    files: result.files
      .filter((f) => f.changed || f.manualReview.length || f.error || f.sites.length)
      .map((f) => ({
        file: f.file,
        changed: f.changed,
        sites: f.sites,
        manualReview: f.manualReview,
        notes: f.notes,
        error: f.error,
        diff: f.changed ? coloredDiff(f.file, f.before, f.after, false) : undefined,
      })),
  };
}
