import { CodemodError } from "./codemod-error.ts";

/** Why `migrate --only` refused a selection. */
export type SubsetSelectionCode =
  /** A pick names no file the phase changes or lists, or no handler at that line. */
  | "TENANT_KIT_SUBSET_UNKNOWN_PICK"
  /** A picked change needs a change that was not picked (or breaks a file that was not picked). */
  | "TENANT_KIT_SUBSET_DEPENDENCY";

/**
 * A `migrate --only` / `--only-from` selection that cannot be applied: a pick that names nothing the phase changes,
 * or a subset that would leave the app broken (a picked file imports what only an unpicked change creates). Nothing
 * is written.
 *
 * @example
 * throw new SubsetSelectionError(
 *   "TENANT_KIT_SUBSET_DEPENDENCY",
 *   "src/lib/auth/sales.ts needs the change to src/lib/tenant.ts (...); add it to --only or leave sales.ts out.",
 * );
 */
export class SubsetSelectionError extends CodemodError {
  declare readonly code: SubsetSelectionCode;

  constructor(code: SubsetSelectionCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
