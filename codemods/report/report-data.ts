import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import type { PhaseResult } from "../runner/codemod-runner.ts";
import type { SiteAction, WriteSpanReport } from "../runner/codemod-types.ts";
import { diffShape, shapeLabel } from "./diff-shape.ts";

/** Where a file is listed on the review page, in page order. */
export type ReportSection = "review" | "write" | "group" | "other" | "unchanged";

/** One handler row of the page's index. */
export interface ReportHandler {
  readonly line: number;
  readonly column: number;
  /** The route's method(s) (`GET`, `GET,POST`) or the function's name. */
  readonly name: string;
  readonly wrapper: string;
  readonly version: 1 | 2;
  readonly classification: "read" | "write" | "unknown";
  readonly action: SiteAction;
  /** Manual-review reasons of this handler (its items at or inside it). */
  readonly reasons: readonly string[];
  readonly evidence: readonly string[];
  readonly span: WriteSpanReport | undefined;
}

/** A manual-review item as the page shows it. */
export interface ReportReviewItem {
  readonly reason: string;
  readonly detail: string;
  readonly hint: string;
  readonly fix: string;
  readonly line: number;
  readonly column: number;
}

/** One file of the page. */
export interface ReportFile {
  /** Path relative to the repo root; also the page anchor `#f:<file>`. */
  readonly file: string;
  readonly section: ReportSection;
  readonly changed: boolean;
  /** The unified diff, empty when unchanged. */
  readonly patch: string;
  readonly added: number;
  readonly removed: number;
  readonly handlers: readonly ReportHandler[];
  readonly review: readonly ReportReviewItem[];
  readonly notes: readonly string[];
  readonly error: string | undefined;
  /** Index into {@link ReportData.groups} when the file's change is one of a group's identical ones. */
  readonly group: number | undefined;
}

/** Files that got the same change (same {@link diffShape}). */
export interface ReportGroup {
  readonly label: string;
  readonly shape: string;
  /** Indexes into {@link ReportData.files}; the first is the example shown. */
  readonly files: readonly number[];
  /** Migrated handlers in those files. */
  readonly handlers: number;
}

/** Everything the review page and the pull-request summary show, in page order. */
export interface ReportData {
  /** A hash of the phase and every file's change: the key of the page's saved "viewed" state. */
  readonly runId: string;
  readonly title: string;
  readonly phase: string;
  readonly rootDir: string;
  readonly dryRun: boolean;
  readonly summary: PhaseResult["summary"];
  readonly files: readonly ReportFile[];
  readonly groups: readonly ReportGroup[];
  /** Picks of `migrate --only` that were left out, when the run was a subset (see subset-selection.ts). */
  readonly notSelected: readonly string[];
}

const SECTION_ORDER: readonly ReportSection[] = ["review", "write", "group", "other", "unchanged"];

/**
 * Builds the page's data from a phase result: files with manual-review items or errors first, then those with write
 * spans, then groups of identical changes (largest first; at least two files), then the other changed files, then
 * unchanged files that have handlers.
 *
 * @example const data = buildReportData(runPhase("reads", { target: "./app" }, { write: false }), { dryRun: true });
 */
export function buildReportData(
  result: PhaseResult & { readonly notSelected?: readonly string[] },
  options: { title?: string; dryRun?: boolean } = {},
): ReportData {
  const relevant = result.files.filter((f) => f.changed || f.manualReview.length > 0 || f.error || f.sites.length > 0);
  const names = { wrappers: result.wrappers };
  const drafts = relevant.map((f) => {
    const review = f.manualReview.map((item) => ({
      reason: item.reason,
      detail: item.detail,
      hint: item.hint,
      fix: item.fix,
      line: item.location.line,
      column: item.location.column,
    }));
    const handlers = f.sites.map((site, i): ReportHandler => {
      const nextLine = f.sites[i + 1]?.location.line ?? Number.POSITIVE_INFINITY;
      const reasons = f.reviewSites.filter((r) => r.line === site.location.line).map((r) => r.reason);
      // Items inside the handler (an await left in its span) also belong to it.
      for (const item of review)
        if (item.line >= site.location.line && item.line < nextLine && site.action !== "other-phase")
          if (!reasons.includes(item.reason)) reasons.push(item.reason);
      return {
        line: site.location.line,
        column: site.location.column,
        name: site.methods.join(",") || site.functionName,
        wrapper: site.wrapper,
        version: site.wrapperVersion,
        classification: site.classification,
        action: site.action,
        reasons,
        evidence: site.evidence,
        span: site.span,
      };
    });
    const patch = f.changed ? createTwoFilesPatch(`a/${f.file}`, `b/${f.file}`, f.before, f.after) : "";
    const lines = patch.split("\n").slice(2);
    const section: ReportSection =
      review.length > 0 || f.error
        ? "review"
        : handlers.some((h) => h.span)
          ? "write"
          : f.changed
            ? "other"
            : "unchanged";
    return {
      file: f.file,
      section,
      changed: f.changed,
      patch,
      added: lines.filter((l) => l.startsWith("+")).length,
      removed: lines.filter((l) => l.startsWith("-")).length,
      handlers,
      review,
      notes: f.notes,
      error: f.error ? `${f.error.code}: ${f.error.message}` : undefined,
      group: undefined as number | undefined,
      shape: section === "other" ? diffShape(f.before, f.after, names) : "",
    };
  });

  const byShape = new Map<string, typeof drafts>();
  for (const d of drafts) if (d.shape) byShape.set(d.shape, [...(byShape.get(d.shape) ?? []), d]);
  const shapes = [...byShape.entries()]
    .filter(([, members]) => members.length >= 2)
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  shapes.forEach(([, members], g) => {
    for (const member of members) Object.assign(member, { section: "group", group: g });
  });
  const ordered = [...drafts].sort(
    (a, b) =>
      SECTION_ORDER.indexOf(a.section) - SECTION_ORDER.indexOf(b.section) ||
      (a.group ?? 0) - (b.group ?? 0) ||
      a.file.localeCompare(b.file),
  );
  const files: ReportFile[] = ordered.map(({ shape: _shape, ...file }) => file);
  const groups: ReportGroup[] = shapes.map(([shape], g) => {
    const indexes = files.flatMap((f, i) => (f.group === g ? [i] : []));
    return {
      label: shapeLabel(shape),
      shape,
      files: indexes,
      handlers: indexes.reduce((n, i) => n + files[i]!.handlers.filter((h) => h.action === "migrated").length, 0),
    };
  });
  const hash = createHash("sha256").update(result.phase);
  for (const f of files) hash.update(`\0${f.file}\0${f.patch}`);
  return {
    runId: hash.digest("hex").slice(0, 16),
    title: options.title ?? `tenant-kit ${result.phase}${options.dryRun ? " (dry run)" : ""}`,
    phase: result.phase,
    rootDir: result.rootDir,
    dryRun: Boolean(options.dryRun),
    summary: result.summary,
    files,
    groups,
    notSelected: result.notSelected ?? [],
  };
}
