import { CodemodError, type SourceLocation } from "./codemod-error.ts";

/**
 * A phase would have added an import that does not resolve through the repo's tsconfig, or whose module does not
 * export the name. The file is left unchanged (a dangling import type-checks nowhere and is `undefined` at run time).
 *
 * @example
 * throw new UnresolvedImportError("withTenant", "@/lib/tenant", "src/lib/tenant.ts does not export it", location);
 */
export class UnresolvedImportError extends CodemodError {
  override readonly name = "UnresolvedImportError";
  readonly importedName: string;
  readonly specifier: string;

  constructor(importedName: string, specifier: string, why: string, location: SourceLocation) {
    super(
      "TENANT_KIT_UNRESOLVED_IMPORT",
      `The phase would import ${importedName} from "${specifier}", but ${why}; ` +
        `the file was left unchanged. Export ${importedName} from the module that declares it, ` +
        `or point the config at it ("transactionHelper.module", "kitModule"; ` +
        `for prisma-tenant-kit: npm install prisma-tenant-kit), ` +
        `and re-run the phase.`,
      { location },
    );
    this.importedName = importedName;
    this.specifier = specifier;
  }
}
