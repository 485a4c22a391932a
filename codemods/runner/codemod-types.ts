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
export type SiteAction = "migrated" | "already-v2" | "other-phase" | "manual-review";

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

/** The report line of a handler site. */
export function siteReport(site: HandlerSite, action: SiteAction): SiteReport {
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
