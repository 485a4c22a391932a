import { CodemodError } from "./codemod-error.ts";

/**
 * A codemod id that is not in the registry was asked for.
 * @example throw new UnknownCodemodError("raeds", ["scaffold", "reads", "writes", "finalize"]);
 */
export class UnknownCodemodError extends CodemodError {
  constructor(id: string, known: readonly string[]) {
    super("TENANT_KIT_UNKNOWN_CODEMOD", `There is no codemod "${id}"; pick one of: ${known.join(", ")}.`);
  }
}
