/** Where in a source file something was found (1-based line and column). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Formats a location as `file:line:col`.
 * @example formatLocation({ file: "a.ts", line: 3, column: 5 }) // "a.ts:3:5"
 */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/**
 * Base class of every error the codemod kit throws. `code` is stable (scripts may match on it); `message` is a full
 * sentence naming what was wrong and what to do.
 *
 * @example
 * ```ts
 * try { await runPhase(options); } catch (error) {
 *   if (error instanceof CodemodError) console.error(`${error.code}: ${error.message}`);
 * }
 * ```
 */
export class CodemodError extends Error {
  /** A stable, machine-readable identifier such as `TENANT_KIT_CONFIG_INVALID`. */
  readonly code: string;
  /** The source position the error is about, when it is about one. */
  readonly location: SourceLocation | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; location?: SourceLocation } = {}) {
    super(options.location ? `${formatLocation(options.location)}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
  }
}
