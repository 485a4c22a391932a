import { UnknownCodemodError } from "../errors/unknown-codemod-error.ts";
import { finalizeCodemod } from "../transforms/finalize.ts";
import { installCodemod } from "../transforms/install/install-codemod.ts";
import { readsCodemod } from "../transforms/reads.ts";
import { scaffoldCodemod } from "../transforms/scaffold/scaffold-codemod.ts";
import { writesCodemod } from "../transforms/writes.ts";
import type { Codemod, CodemodId } from "./codemod-types.ts";

/**
 * Every codemod, in rollout order (002: install, scaffold, reads, writes, finalize).
 * @example CODEMODS.map((c) => c.id)
 */
export const CODEMODS: readonly Codemod[] = [
  installCodemod,
  scaffoldCodemod,
  readsCodemod,
  writesCodemod,
  finalizeCodemod,
];

/** The ids, in rollout order. */
export const CODEMOD_IDS: readonly CodemodId[] = CODEMODS.map((c) => c.id);

/**
 * The codemod with this id.
 * @example getCodemod("reads").summary
 * @throws {UnknownCodemodError} listing the known ids ("pick one of: ...").
 */
export function getCodemod(id: string): Codemod {
  const found = CODEMODS.find((c) => c.id === id);
  if (!found) throw new UnknownCodemodError(id, CODEMOD_IDS);
  return found;
}
