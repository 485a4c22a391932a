import { execFileSync } from "node:child_process";
import { DirtyTreeError } from "../errors/dirty-tree-error.ts";

/** The result of looking at the git tree: clean, dirty (with files), or not a git repository. */
export type GitTreeState =
  | { readonly kind: "clean" }
  | { readonly kind: "dirty"; readonly files: readonly string[] }
  | { readonly kind: "not-a-repo" };

/**
 * Uncommitted changes (tracked or untracked) under `dir`, per `git status --porcelain`.
 * @example gitTreeState("/repo").kind // "clean"
 */
export function gitTreeState(dir: string): GitTreeState {
  let output: string;
  try {
    output = execFileSync("git", ["status", "--porcelain", "--untracked-files=normal", "--", "."], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
  } catch {
    return { kind: "not-a-repo" };
  }
  const files = output
    .split("\n")
    .filter(Boolean)
    .map((line) => line.slice(3));
  return files.length === 0 ? { kind: "clean" } : { kind: "dirty", files };
}

/**
 * Throws unless the tree under `dir` is clean, it is not a git repository, or `force` is set.
 * @example assertCleanTree(project.rootDir, options.force);
 * @throws {DirtyTreeError} listing the uncommitted files.
 */
export function assertCleanTree(dir: string, force: boolean): GitTreeState {
  const state = gitTreeState(dir);
  if (state.kind === "dirty" && !force) throw new DirtyTreeError(dir, state.files);
  return state;
}
