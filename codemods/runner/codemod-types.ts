import type { SourceFile } from "ts-morph";
import type { DbUsageClassifier, Access } from "../analysis/db-usage-classifier.ts";
import type { HandlerSite } from "../analysis/handler-finder.ts";
import type { ManualReviewReason } from "../analysis/manual-review-reason.ts";
import { MANUAL_REVIEW_FIXES, MANUAL_REVIEW_HINTS } from "../analysis/manual-review-reason.ts";
import type { WrapperIndex } from "../analysis/wrapper-discovery.ts";
import type { TenantKitConfig } from "../config/tenant-kit-config.ts";
import type { SourceLocation } from "../errors/codemod-error.ts";
import type { TextEdit } from "../edits/text-edit.ts";
import type { CodemodProject } from "../project/codemod-project.ts";

/** Something a transform did not change because it could not prove the change correct. */
export interface ManualReviewItem {
  readonly reason: ManualReviewReason;
  readonly detail: string;
  readonly location: SourceLocation;
  /** One sentence from {@link MANUAL_REVIEW_HINTS}. */
  readonly hint: string;
  /** What to do, from {@link MANUAL_REVIEW_FIXES} (the full fix is in docs/migration-guide.md). */
  readonly fix: string;
}

/**
 * A handler a phase left for manual review, where its `// tenant-kit: <reason> - <fix>` marker goes (the wrapper
 * call; the marker is on the line above its statement). Scan and the phases list the same sites.
 */
export interface ReviewSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly reason: ManualReviewReason;
  readonly fix: string;
}

/** What a phase did with one handler. */
export type SiteAction = "migrated" | "already-v2" | "other-phase" | "manual-review" | "not-selected";

/** What the writes phase put in a handler's `withTenant` span (or the handler's own transaction it kept). */
export interface WriteSpanReport {
  /** Database calls inside the span: its writes and the reads flowing into them (`write: db.x.create at line 9`). */
  readonly holds: readonly string[];
  /** Statements moved above the span, each with why (`line 7: moved above the transaction span (...)`). */
  readonly hoisted: readonly string[];
  /** Awaits of other work left inside the span, each with its line (also a manual-review `await-in-span` item). */
  readonly slowAwaits: readonly string[];
  /** The handler kept its own `db.$transaction` (now tenant-scoped) instead of getting a span. */
  readonly ownTransaction: boolean;
}

/** One handler as reported by scan and the phases. */
export interface SiteReport {
  readonly location: SourceLocation;
  readonly methods: readonly string[];
  readonly functionName: string;
  readonly wrapper: string;
  readonly wrapperVersion: 1 | 2;
  readonly classification: Access;
  /** Why: each db use with what it does, helpers followed, reasons for unknown. */
  readonly evidence: readonly string[];
  readonly action: SiteAction;
  /** The writes phase's span of a migrated write handler. */
  readonly span?: WriteSpanReport;
}

/** The result of a transform on one file, before the runner applies the edits. */
export interface FileTransformResult {
  readonly edits: readonly TextEdit[];
  readonly sites: readonly SiteReport[];
  readonly manualReview: readonly ManualReviewItem[];
  /** Informational remarks (e.g. a fetch left inside a transaction span). */
  readonly notes: readonly string[];
  /** The handlers left for manual review, one entry per reason (reads and writes only). */
  readonly reviewSites?: readonly ReviewSite[];
}

/** What every transform gets. */
export interface CodemodContext {
  readonly project: CodemodProject;
  readonly config: TenantKitConfig;
  readonly index: WrapperIndex;
  readonly classifier: DbUsageClassifier;
  /** Absolute paths of the files the user pointed at. */
  readonly targetFiles: readonly string[];
  /**
   * Whether reads and writes write a `// tenant-kit: <reason> - <fix>` comment above each handler they leave for
   * manual review (default true; `--no-markers`).
   */
  readonly markers?: boolean;
  /**
   * Reads and writes: only the handlers this returns true for are migrated or marked; the others are left untouched
   * and reported as `not-selected` (`migrate --only`). Default: every handler.
   */
  readonly selectSite?: (location: SourceLocation) => boolean;
}

/** The registry ids, kebab-case, also the names of the transform files and fixture folders. */
export type CodemodId = "install" | "scaffold" | "reads" | "writes" | "finalize";

/**
 * A codemod phase.
 * @example
 * ```ts
 * const codemod: Codemod = readsCodemod;
 * for (const file of codemod.candidateFiles(context)) codemod.transformFile(context, project.sourceFile(file));
 * ```
 */
export interface Codemod {
  readonly id: CodemodId;
  readonly summary: string;
  /** The files this phase may change (absolute paths). */
  candidateFiles(context: CodemodContext): string[];
  /** Repo-wide planning before the per-file pass (finalize decides which wrappers are free of V1 use). */
  prepare?(context: CodemodContext): void;
  transformFile(context: CodemodContext, file: SourceFile): FileTransformResult;
}

/** Builds a manual-review item with its hint. @example manualReview("db-escapes", "db is returned", location) */
export function manualReview(reason: ManualReviewReason, detail: string, location: SourceLocation): ManualReviewItem {
  return { reason, detail, location, hint: MANUAL_REVIEW_HINTS[reason], fix: MANUAL_REVIEW_FIXES[reason] };
}

/** The report line of a handler site (with its write span, when the writes phase made one). */
export function siteReport(site: HandlerSite, action: SiteAction, span?: WriteSpanReport): SiteReport {
  const evidence = site.problem
    ? [`unknown: ${site.problem.reason}: ${site.problem.detail}`]
    : site.uses.length === 0
      ? ["no database access"]
      : site.uses.map(
          (u) =>
            `${u.access}: ${u.description}${u.reason ? ` [${u.reason}]` : ""}` +
            `${u.via.length ? ` (via ${u.via.join(" > ")})` : ""} at line ${u.location.line}`,
        );
  return {
    location: site.location,
    methods: site.methods,
    functionName: site.functionName,
    wrapper: site.ref.wrapper.name,
    wrapperVersion: site.ref.version,
    classification: site.classification,
    evidence,
    action,
    ...(span ? { span } : {}),
  };
}

/** The review sites of a handler from its manual-review items: one per distinct reason, at the wrapper call. */
export function reviewSites(site: HandlerSite, items: readonly ManualReviewItem[]): ReviewSite[] {
  const reasons = [...new Set(items.map((item) => item.reason))];
  return reasons.map((reason) => ({
    file: site.location.file,
    line: site.location.line,
    column: site.location.column,
    reason,
    fix: MANUAL_REVIEW_FIXES[reason],
  }));
}

/** Manual-review items of an `unknown` site: one per unknown use, or the site's own problem. */
export function unknownSiteItems(site: HandlerSite): ManualReviewItem[] {
  if (site.problem) return [manualReview(site.problem.reason, site.problem.detail, site.location)];
  return site.uses
    .filter((u) => u.access === "unknown")
    .map((u) => manualReview(u.reason ?? "db-escapes", u.description, u.location));
}
