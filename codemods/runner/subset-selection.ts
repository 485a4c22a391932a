import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import { SubsetSelectionError } from "../errors/subset-selection-error.ts";
import { typeCheckEdits } from "../verify/type-check.ts";
import { type FileOutcome, type PhaseResult, type RunOptions, runPhase, summarize } from "./codemod-runner.ts";
import type { SiteReport } from "./codemod-types.ts";

/** A phase applied to a subset: the result of the picked part, and what was left out. */
export interface SubsetPhaseResult extends PhaseResult {
  /**
   * What the full phase would change that this run left untouched: whole files (`src/app/x/route.ts`) and handlers
   * (`src/app/x/route.ts:12`) of files picked by handler.
   */
  readonly notSelected: readonly string[];
}

/** One pick: a file (relative to the repo root), or one handler of it by the line of its wrapper call. */
export interface SubsetPick {
  readonly file: string;
  readonly line: number | undefined;
}

/**
 * Reads a selection file (the review page's "Export selection", or any list): one `file` or `file:line` per line;
 * blank lines and `#` comments are skipped.
 * @example readPickList("selection.txt") // ["src/app/api/orders/route.ts:17", "src/app/api/customers/route.ts"]
 */
export function readPickList(file: string): string[] {
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

/**
 * Runs `phase` on the picked files and handlers only, so a team can land the approved part of a phase first: a
 * picked file gets the phase's whole change, a picked handler (`file:line`, the line of its wrapper call; reads and
 * writes) only its own, and everything else stays as it is and is listed in `notSelected`. Before anything is written
 * the subset is type-checked against the files as they are: a picked change that needs an unpicked one (a wrapper's V2
 * importing what another file's change creates) or that breaks an unpicked file is refused, nothing written.
 *
 * @example
 * ```ts
 * const result = runPhaseSubset("scaffold", { target: "." }, ["src/lib/tenant.ts", "src/lib/auth/sales.ts"], {
 *   write: true,
 * });
 * result.notSelected; // ["src/lib/auth/admin.ts", "src/lib/auth/portal.ts"]
 * ```
 * @throws {SubsetSelectionError} `TENANT_KIT_SUBSET_UNKNOWN_PICK` for a pick that names nothing the phase changes,
 * `TENANT_KIT_SUBSET_DEPENDENCY` for a subset that would not compile where the files as they are do.
 */
export function runPhaseSubset(
  phase: string,
  options: RunOptions,
  picks: readonly string[],
  mode: { write: boolean },
): SubsetPhaseResult {
  if (picks.length === 0) {
    throw new SubsetSelectionError(
      "TENANT_KIT_SUBSET_UNKNOWN_PICK",
      "The selection is empty: --only-from names no file or handler. Export a selection from the review page " +
        "(or list one file or file:line per line), or run the phase without --only to apply all of it.",
    );
  }
  // Both runs unverified: the subset is type-checked once, below, and refused rather than trimmed.
  const full = runPhase(phase, { ...options, verify: false }, { write: false });
  const parsed = picks.map((pick) => parsePick(pick, full.rootDir));
  const byFile = new Map(full.files.map((f) => [f.file, f]));
  for (const [i, pick] of parsed.entries()) {
    const outcome = byFile.get(pick.file);
    if (!outcome || !(outcome.changed || outcome.sites.length > 0 || outcome.manualReview.length > 0)) {
      const changed = full.files.filter((f) => f.changed).length;
      throw new SubsetSelectionError(
        "TENANT_KIT_SUBSET_UNKNOWN_PICK",
        `--only ${picks[i]}: ${pick.file} is not a file the ${full.phase} phase changes or lists under ` +
          `${full.rootDir} (it changes ${changed} file(s)); pick files as the review page or the --json output ` +
          `names them, relative to the repo root.`,
      );
    }
    if (pick.line !== undefined && !outcome.sites.some((s) => s.location.line === pick.line)) {
      const lines = outcome.sites.map((s) => s.location.line);
      throw new SubsetSelectionError(
        "TENANT_KIT_SUBSET_UNKNOWN_PICK",
        `--only ${picks[i]}: no handler of ${pick.file} starts at line ${pick.line} in the ${full.phase} phase; ` +
          (lines.length
            ? `its handlers are at line ${lines.join(", ")} (the line of the wrapper call).`
            : "it has no handlers: pick the whole file."),
      );
    }
  }
  const wholeFiles = new Set(parsed.filter((p) => p.line === undefined).map((p) => p.file));
  const handlers = new Set(parsed.filter((p) => p.line !== undefined).map((p) => `${p.file}:${p.line}`));
  const pickedFiles = new Set(parsed.map((p) => p.file));
  const subset = runPhase(
    phase,
    {
      ...options,
      verify: false,
      selectSite: (location) => wholeFiles.has(location.file) || handlers.has(`${location.file}:${location.line}`),
    },
    { write: false },
  );

  const notSelected: string[] = [];
  const files = subset.files.map((outcome): FileOutcome => {
    const before = byFile.get(outcome.file);
    // Only what the full run would change or mark counts as not selected; other handlers keep their action.
    const fullAction = new Map((before?.sites ?? []).map((site) => [site.location.line, site]));
    const notSelectedSite = (site: SiteReport): SiteReport => {
      const original = fullAction.get(site.location.line);
      return original && !leftOut(original) ? original : { ...site, action: "not-selected" };
    };
    if (pickedFiles.has(outcome.file)) {
      if (wholeFiles.has(outcome.file)) return outcome;
      for (const site of before?.sites ?? [])
        if (leftOut(site) && !handlers.has(`${outcome.file}:${site.location.line}`))
          notSelected.push(`${outcome.file}:${site.location.line}`);
      return {
        ...outcome,
        sites: outcome.sites.map((site) => (site.action === "not-selected" ? notSelectedSite(site) : site)),
      };
    }
    if (before?.changed) notSelected.push(outcome.file);
    return {
      ...outcome,
      after: outcome.before,
      changed: false,
      sites: (before?.sites ?? outcome.sites).map(notSelectedSite),
      manualReview: [],
      notes: [],
      reviewSites: [],
      error: undefined,
    };
  });

  assertSubsetCompiles(full, files, pickedFiles);
  if (mode.write)
    for (const outcome of files)
      if (outcome.changed && existsSync(outcome.absolutePath)) writeFileSync(outcome.absolutePath, outcome.after);
  return {
    ...subset,
    files,
    summary: summarize(files),
    written: mode.write,
    reviewSites: files.flatMap((f) => f.reviewSites),
    notSelected,
  };
}

/** Whether the full run changed or marked this handler (so leaving it out leaves something undone). */
function leftOut(site: SiteReport): boolean {
  return site.action === "migrated" || site.action === "manual-review";
}

/**
 * A pick as the repo-relative file (and line): `src/app/x/route.ts`, `src/app/x/route.ts:12`, or a path relative to
 * the working directory or absolute.
 */
export function parsePick(pick: string, rootDir: string): SubsetPick {
  const match = /^(.*?):(\d+)(?::\d+)?$/.exec(pick.trim());
  const file = match ? match[1]! : pick.trim();
  const absolute = path.isAbsolute(file)
    ? file
    : existsSync(path.resolve(file)) && !existsSync(path.join(rootDir, file))
      ? path.resolve(file)
      : path.join(rootDir, file);
  return {
    file: path.relative(rootDir, absolute).split(path.sep).join("/"),
    line: match ? Number(match[2]) : undefined,
  };
}

/**
 * Type-checks the subset against the files as they are (see `typeCheckEdits`); an error only the subset has is a
 * dependency between a picked and an unpicked change: refused, naming the unpicked changes the failing file imports.
 */
function assertSubsetCompiles(full: PhaseResult, files: readonly FileOutcome[], picked: ReadonlySet<string>): void {
  const changed = files.filter((f) => f.changed);
  if (changed.length === 0) return;
  const tsconfig = ts.findConfigFile(full.rootDir, ts.sys.fileExists) ?? path.join(full.rootDir, "tsconfig.json");
  const check = typeCheckEdits(tsconfig, Object.fromEntries(changed.map((f) => [f.absolutePath, f.after])));
  const first = check.reverted[0]?.errors[0] ?? check.blocking[0];
  if (!first) return;
  const unpickedChanges = full.files.filter((f) => f.changed && !picked.has(f.file));
  const options =
    ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} })
      ?.options ?? {};
  const fileName = path.resolve(full.rootDir, first.file);
  const text = changed.find((f) => path.resolve(f.absolutePath) === fileName)?.after ?? readFileSync(fileName, "utf8");
  const imports = importedFiles(fileName, text, options);
  const relative = (f: FileOutcome): string => f.file;
  const where = first.file;
  const needed = picked.has(where)
    ? unpickedChanges.filter((f) => imports.has(path.resolve(f.absolutePath))).map(relative)
    : changed.filter((f) => imports.has(path.resolve(f.absolutePath))).map(relative);
  const detail = `${where}:${first.line}: ${first.message}`;
  throw new SubsetSelectionError(
    "TENANT_KIT_SUBSET_DEPENDENCY",
    picked.has(where)
      ? `The picked change to ${where} needs the ${full.phase} phase's change to ` +
          `${needed.length ? needed.join(", ") : "a file that was not picked"}, which was not picked (${detail}); ` +
          `add ${needed.length ? needed.join(" and ") : "it"} to --only, or leave ${where} out. Nothing was written.`
      : `The picked change to ${needed.length ? needed.join(", ") : "a file"} breaks ${where}, which the ` +
          `${full.phase} phase also changes but was not picked (${detail}); add ${where} to --only, or leave ` +
          `${needed.length ? needed.join(" and ") : "that change"} out. Nothing was written.`,
  );
}

function importedFiles(fileName: string, text: string, options: ts.CompilerOptions): Set<string> {
  const out = new Set<string>();
  for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
    const resolved = ts.resolveModuleName(imported.fileName, fileName, options, ts.sys).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport) out.add(path.resolve(resolved.resolvedFileName));
  }
  return out;
}
