/** One compiler diagnostic, located in the app (1-based line and column, path relative to the repo root). */
export interface TypeDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** TypeScript's error number, e.g. 2339. */
  readonly code: number;
  readonly message: string;
}

/** What the runner asks the type-check worker: the app's tsconfig and the phase's new file texts. */
export interface TypeCheckRequest {
  readonly tsconfigPath: string;
  /** Absolute path of the TypeScript module to load (the app's own when it has the compiler API). */
  readonly typescriptPath: string | undefined;
  /** Absolute path -> the text the phase would write. */
  readonly overlays: Readonly<Record<string, string>>;
}

/** A changed file whose new text added compiler errors: it is reverted, with the errors it had. */
export interface RevertedFile {
  readonly file: string;
  readonly errors: readonly TypeDiagnostic[];
}

/** What the worker answers. */
export interface TypeCheckResponse {
  /** Absolute paths of the changed files that keep their new text: together they add no compiler error. */
  readonly accepted: readonly string[];
  readonly reverted: readonly RevertedFile[];
  /**
   * New errors no revert of a single changed file removes (they sit in files the phase did not change): the whole
   * phase is refused.
   */
  readonly blocking: readonly TypeDiagnostic[];
  /** Files whose diagnostics were compared (the changed files and every file that imports them, transitively). */
  readonly checkedFiles: number;
  readonly typescriptVersion: string;
}
