import { existsSync, writeFileSync } from "node:fs";
import { DbUsageClassifier } from "../analysis/db-usage-classifier.ts";
import { findHandlerSites } from "../analysis/handler-finder.ts";
import { locateTransactionHelper } from "../analysis/transaction-helper-locator.ts";
import { WrapperIndex, type WrapperInfo } from "../analysis/wrapper-discovery.ts";
import { DEFAULT_CONFIG, loadConfig, type ConfigFlags, type TenantKitConfig } from "../config/tenant-kit-config.ts";
import { CodemodError } from "../errors/codemod-error.ts";
import { ProjectLoadError } from "../errors/project-load-error.ts";
import { TransformFailureError } from "../errors/transform-failure-error.ts";
import { applyEdits } from "../edits/text-edit.ts";
import { CodemodProject } from "../project/codemod-project.ts";
import { verifyPhase, type PhaseTypeCheck } from "../verify/verify-phase.ts";
import { getCodemod } from "./codemod-registry.ts";
import {
  reviewSites,
  siteReport,
  unknownSiteItems,
  type CodemodContext,
  type CodemodId,
  type ManualReviewItem,
  type ReviewSite,
  type SiteReport,
} from "./codemod-types.ts";

/** Where to run and how. */
export interface RunOptions {
  /** Directory (or file) to work on; the repo is the nearest tsconfig.json at or above it. */
  readonly target: string;
  readonly tsconfig?: string;
  readonly configFile?: string;
  readonly flags?: ConfigFlags;
  /** Use this config instead of loading one (tests, the demo). */
  readonly config?: TenantKitConfig;
  /** Called after each file, for a progress bar. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Write `// tenant-kit:` markers above the handlers left for manual review (default true). */
  readonly markers?: boolean;
  /**
   * Type-check the app before and after the phase and keep only the edits that add no compiler error (default true;
   * see codemods/verify/). Off only for the per-case fixture tests, whose whole-app runs check it.
   */
  readonly verify?: boolean;
}

/** One file's outcome of a phase. */
export interface FileOutcome {
  /** Path relative to the repo root. */
  readonly file: string;
  readonly absolutePath: string;
  readonly before: string;
  readonly after: string;
  readonly changed: boolean;
  readonly sites: readonly SiteReport[];
  readonly manualReview: readonly ManualReviewItem[];
  readonly notes: readonly string[];
  /** The handlers left for manual review, as their markers name them. */
  readonly reviewSites: readonly ReviewSite[];
  readonly error: { readonly code: string; readonly message: string } | undefined;
}

/** Counts shown by the CLI summary. */
export interface PhaseSummary {
  readonly changed: number;
  readonly unchanged: number;
  readonly manualReview: number;
  readonly errors: number;
}

/** What a phase did (or would do, in a dry run). */
export interface PhaseResult {
  readonly phase: CodemodId;
  readonly rootDir: string;
  readonly files: readonly FileOutcome[];
  readonly summary: PhaseSummary;
  readonly wrappers: readonly WrapperInfo[];
  readonly written: boolean;
  /** Every file's review sites, in file order: the `// tenant-kit:` markers of this run. */
  readonly reviewSites: readonly ReviewSite[];
  /** What the type check kept and refused; undefined when nothing changed or `verify` was off. */
  readonly typeCheck: PhaseTypeCheck | undefined;
}

/** A wrapper with the handlers that use it. */
export interface ScanWrapper {
  readonly kind: "tenant" | "session";
  readonly name: string;
  readonly v2Name: string;
  readonly file: string;
  readonly line: number;
  readonly hasV2: boolean;
  readonly source: WrapperInfo["source"];
  /** `METHOD file:line` of each handler using it (V1 or V2). */
  readonly routes: readonly string[];
}

/** The inventory printed by `tenant-kit scan`. */
export interface ScanResult {
  readonly rootDir: string;
  readonly wrappers: readonly ScanWrapper[];
  readonly handlers: readonly SiteReport[];
  /** The `unknown` handlers, one entry per reason: the sites the reads and writes phases mark. */
  readonly reviewSites: readonly ReviewSite[];
  readonly filesScanned: number;
}

/**
 * Opens the repo of `options.target`, loads its config and finds its wrappers.
 * @example const context = openContext({ target: "./src/app" });
 * @throws {ProjectLoadError} / {ConfigError} when the repo or config cannot be loaded.
 */
export function openContext(options: RunOptions): CodemodContext {
  const probe = CodemodProject.open(options.target, options.config ?? DEFAULT_CONFIG, options.tsconfig);
  const loaded = options.config ?? loadConfig(probe.rootDir, { configFile: options.configFile, flags: options.flags });
  const project = CodemodProject.open(options.target, loaded, options.tsconfig);
  const index = WrapperIndex.discover(project);
  // The transaction helper is imported from where it is declared, not from a default path that may not export it.
  const config = { ...loaded, transactionHelper: locateTransactionHelper(project, loaded) };
  const classifier = new DbUsageClassifier(project);
  return {
    project,
    config,
    index,
    classifier,
    targetFiles: project.filesUnder(options.target),
    markers: options.markers ?? true,
  };
}

/**
 * Inventory: every handler under the target with its method(s), wrapper, classification and evidence, and every
 * wrapper with its routes.
 *
 * @example
 * ```ts
 * const scan = runScan({ target: "fixtures/sales-app/src/app" });
 * scan.handlers.filter((h) => h.classification === "unknown").length;
 * ```
 */
export function runScan(options: RunOptions): ScanResult {
  const context = openContext(options);
  const handlers: SiteReport[] = [];
  const sites: ReviewSite[] = [];
  const total = context.targetFiles.length;
  context.targetFiles.forEach((file, i) => {
    const text = context.project.readText(file);
    if (context.index.all.some((w) => text.includes(w.name))) {
      for (const site of findHandlerSites(
        context.project,
        context.index,
        context.classifier,
        context.project.sourceFile(file),
      )) {
        handlers.push(
          siteReport(
            site,
            site.classification === "unknown" ? "manual-review" : site.ref.version === 2 ? "already-v2" : "other-phase",
          ),
        );
        if (site.classification === "unknown" && site.ref.version === 1)
          sites.push(...reviewSites(site, unknownSiteItems(site)));
      }
    }
    options.onProgress?.(i + 1, total);
  });
  const wrappers = context.index.all.map(
    (w): ScanWrapper => ({
      kind: w.kind,
      name: w.name,
      v2Name: w.v2Name,
      file: context.project.relative(w.file),
      line: w.line,
      hasV2: w.hasV2,
      source: w.source,
      routes: handlers
        .filter((h) => h.wrapper === w.name)
        .map(
          (h) =>
            `${h.methods.join(",") || h.functionName} ${h.location.file}:${h.location.line}` +
            `${h.wrapperVersion === 2 ? " (V2)" : ""}`,
        ),
    }),
  );
  return { rootDir: context.project.rootDir, wrappers, handlers, reviewSites: sites, filesScanned: total };
}

/**
 * Runs one phase over the target. With `write: false` nothing is written (dry run); the result holds every candidate
 * file's before/after text either way. A failure on one file is recorded on that file (unchanged) and the run goes
 * on.
 *
 * @example
 * ```ts
 * const result = runPhase("reads", { target: "./src/app" }, { write: false });
 * result.files.filter((f) => f.changed).map((f) => f.file);
 * ```
 */
export function runPhase(phase: string, options: RunOptions, mode: { write: boolean }): PhaseResult {
  const codemod = getCodemod(phase);
  const context = openContext(options);
  codemod.prepare?.(context);
  const candidates = codemod.candidateFiles(context);
  const transformed: FileOutcome[] = [];
  candidates.forEach((absolutePath, i) => {
    const relative = context.project.relative(absolutePath);
    const file = context.project.sourceFile(absolutePath);
    const before = file.getFullText();
    try {
      const result = codemod.transformFile(context, file);
      const after = result.edits.length > 0 ? applyEdits(before, result.edits) : before;
      transformed.push({
        file: relative,
        absolutePath,
        before,
        after,
        changed: after !== before,
        sites: result.sites,
        manualReview: result.manualReview,
        notes: result.notes,
        reviewSites: result.reviewSites ?? [],
        error: undefined,
      });
    } catch (cause) {
      if (cause instanceof ProjectLoadError) throw cause;
      const error =
        cause instanceof CodemodError
          ? cause
          : new TransformFailureError(codemod.id, { file: relative, line: 1, column: 1 }, cause);
      transformed.push({
        file: relative,
        absolutePath,
        before,
        after: before,
        changed: false,
        sites: [],
        manualReview: [],
        notes: [],
        reviewSites: [],
        error: { code: error.code, message: error.message },
      });
    }
    options.onProgress?.(i + 1, candidates.length);
  });
  const { files, typeCheck } =
    options.verify === false
      ? { files: transformed, typeCheck: undefined }
      : verifyPhase(context.project.tsconfigPath, transformed);
  if (mode.write) {
    for (const outcome of files)
      if (outcome.changed && existsSync(outcome.absolutePath)) writeFileSync(outcome.absolutePath, outcome.after);
  }
  return {
    phase: codemod.id,
    rootDir: context.project.rootDir,
    files,
    summary: summarize(files),
    wrappers: context.index.all,
    written: mode.write,
    reviewSites: files.flatMap((f) => f.reviewSites),
    typeCheck,
  };
}

/** Counts for the summary line. @example summarize(result.files).changed */
export function summarize(files: readonly FileOutcome[]): PhaseSummary {
  return {
    changed: files.filter((f) => f.changed).length,
    unchanged: files.filter((f) => !f.changed && !f.error).length,
    manualReview: files.reduce((n, f) => n + f.manualReview.length, 0),
    errors: files.filter((f) => f.error).length,
  };
}
