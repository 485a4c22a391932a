import { CodemodError } from "./codemod-error.ts";

/**
 * The target repository could not be loaded (no tsconfig.json, unreadable files, a tenant module that does not
 * resolve).
 * @example
 * throw new ProjectLoadError(
 *   "No tsconfig.json was found in /x or above it; run tenant-kit inside a TypeScript project or pass --tsconfig.",
 * );
 */
export class ProjectLoadError extends CodemodError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("TENANT_KIT_PROJECT_LOAD_FAILED", message, options);
  }
}
