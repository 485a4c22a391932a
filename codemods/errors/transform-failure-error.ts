import { CodemodError, type SourceLocation } from "./codemod-error.ts";

/**
 * A transform failed on one file (a bug or an input the kit does not handle). The file is left unchanged and the run
 * goes on with the other files; the CLI counts it under "errors".
 * @example throw new TransformFailureError("writes", { file: "route.ts", line: 4, column: 3 }, cause);
 */
export class TransformFailureError extends CodemodError {
  constructor(codemod: string, location: SourceLocation, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      "TENANT_KIT_TRANSFORM_FAILED",
      `The ${codemod} codemod failed on this file (${detail}); the file was left unchanged, ` +
        `please migrate it by hand and report the input that caused it.`,
      { cause, location },
    );
  }
}
