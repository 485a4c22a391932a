import { formatLocation } from "../errors/codemod-error.ts";
import { TypeCheckRegressionError } from "../errors/type-check-regression-error.ts";
import type { FileOutcome } from "../runner/codemod-runner.ts";
import { manualReview, type SiteReport } from "../runner/codemod-types.ts";
import { typeCheckEdits } from "./type-check.ts";
import type { TypeDiagnostic } from "./type-check-protocol.ts";

/** What the type check did to a phase's edits. */
export interface PhaseTypeCheck {
  /** TypeScript that ran the check. */
  readonly typescriptVersion: string;
  /** Files whose diagnostics were compared before and after. */
  readonly checkedFiles: number;
  /** Changed files left unchanged because their edit added a compiler error. */
  readonly reverted: number;
  /** New errors in files the phase did not change: when present, the phase wrote nothing. */
  readonly blocking: readonly TypeDiagnostic[];
}

/**
 * Keeps only the edits that add no compiler error to the app (see `verifyOverlays`): a file whose edit would make tsc
 * report a new error is left as it was, its handlers reported for manual review with the error's file:line:col; when
 * an error cannot be traced to one changed file the whole phase is left unwritten.
 *
 * @example
 * ```ts
 * const { files, typeCheck } = verifyPhase(context.project.tsconfigPath, outcomes);
 * if (typeCheck.blocking.length > 0) console.log("nothing written");
 * ```
 */
export function verifyPhase(
  tsconfigPath: string,
  outcomes: readonly FileOutcome[],
): { files: FileOutcome[]; typeCheck: PhaseTypeCheck | undefined } {
  const changed = outcomes.filter((f) => f.changed);
  if (changed.length === 0) return { files: [...outcomes], typeCheck: undefined };
  const response = typeCheckEdits(tsconfigPath, Object.fromEntries(changed.map((f) => [f.absolutePath, f.after])));
  const accepted = new Set(response.accepted);
  const revertedErrors = new Map(response.reverted.map((r) => [r.file, r.errors]));
  const files = outcomes.map((outcome): FileOutcome => {
    if (!outcome.changed || accepted.has(outcome.absolutePath)) return outcome;
    const own = revertedErrors.get(outcome.absolutePath);
    if (own) return revert(outcome, own);
    const error = new TypeCheckRegressionError(response.blocking);
    return { ...revert(outcome, response.blocking), error: { code: error.code, message: error.message } };
  });
  return {
    files,
    typeCheck: {
      typescriptVersion: response.typescriptVersion,
      checkedFiles: response.checkedFiles,
      reverted: response.reverted.length,
      blocking: response.blocking,
    },
  };
}

function revert(outcome: FileOutcome, errors: readonly TypeDiagnostic[]): FileOutcome {
  const shown = errors.slice(0, 3).map((e) => `${formatLocation(e)} TS${e.code}: ${e.message}`);
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : "";
  const first = errors[0];
  const location = first ?? { file: outcome.file, line: 1, column: 1 };
  const items = outcome.sites
    .filter((site) => site.action === "migrated")
    .map((site) => manualReview("new-type-error", `${shown.join("; ")}${more}`, site.location));
  return {
    ...outcome,
    after: outcome.before,
    changed: false,
    sites: outcome.sites.map(
      (site): SiteReport => (site.action === "migrated" ? { ...site, action: "manual-review" } : site),
    ),
    manualReview: [
      ...outcome.manualReview,
      ...(items.length > 0 ? items : [manualReview("new-type-error", `${shown.join("; ")}${more}`, location)]),
    ],
    reviewSites: [],
  };
}
