import { CodemodError } from "./codemod-error.ts";

/**
 * Writing was refused because the git working tree has uncommitted changes.
 * @example throw new DirtyTreeError("/repo", ["src/app/api/x/route.ts"]);
 */
export class DirtyTreeError extends CodemodError {
  readonly dirtyFiles: readonly string[];

  constructor(repoRoot: string, dirtyFiles: readonly string[]) {
    const shown =
      dirtyFiles.slice(0, 5).join(", ") + (dirtyFiles.length > 5 ? `, and ${dirtyFiles.length - 5} more` : "");
    super(
      "TENANT_KIT_DIRTY_TREE",
      `The git working tree at ${repoRoot} has uncommitted changes (${shown}); ` +
        `commit or stash them so the codemod's diff can be reviewed on its own, ` +
        `or pass --force to write anyway.`,
    );
    this.dirtyFiles = dirtyFiles;
  }
}
