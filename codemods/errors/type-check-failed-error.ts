import { CodemodError } from "./codemod-error.ts";

/**
 * The type check that proves a phase's edits add no compiler error could not run. Nothing is written.
 * @example throw new TypeCheckFailedError("JavaScript heap out of memory");
 */
export class TypeCheckFailedError extends CodemodError {
  constructor(detail: string, cause?: unknown) {
    super(
      "TENANT_KIT_TYPECHECK_FAILED",
      `The type check of this phase's edits could not run (${detail}), so nothing was written; ` +
        `check that \`tsc -p\` runs on the app, then run the phase again.`,
      { cause },
    );
  }
}
