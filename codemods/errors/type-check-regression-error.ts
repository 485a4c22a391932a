import type { TypeDiagnostic } from "../verify/type-check-protocol.ts";
import { CodemodError, formatLocation } from "./codemod-error.ts";

/**
 * A phase's edits would make tsc report errors the app did not have, in files the phase did not change, and no revert
 * of a single changed file removes them: the phase wrote nothing. The message names each error as file:line:col.
 * @example throw new TypeCheckRegressionError([{ file: "src/a.ts", line: 3, column: 5, code: 2345, message: "..." }]);
 */
export class TypeCheckRegressionError extends CodemodError {
  readonly diagnostics: readonly TypeDiagnostic[];

  constructor(diagnostics: readonly TypeDiagnostic[]) {
    const listed = diagnostics
      .slice(0, 10)
      .map((d) => `${formatLocation(d)} TS${d.code}: ${d.message}`)
      .join("; ");
    const more = diagnostics.length > 10 ? ` and ${diagnostics.length - 10} more` : "";
    super(
      "TENANT_KIT_TYPECHECK_REGRESSION",
      `This phase would add compiler errors outside the files it changes (${listed}${more}), so it wrote nothing; ` +
        `change the code named there (or migrate it by hand) and run the phase again.`,
    );
    this.diagnostics = diagnostics;
  }
}
