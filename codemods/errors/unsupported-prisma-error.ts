import { CodemodError } from "./codemod-error.ts";

/**
 * The app's Prisma is older than the kit supports (`>=6.16 <8`): install writes nothing, and the CLI exits with the
 * usage code (2). The message names the version found, where it was read, and the upgrade to make.
 *
 * @example
 * throw new UnsupportedPrismaError("5.22.0", "node_modules/@prisma/client/package.json");
 * // TENANT_KIT_PRISMA_TOO_OLD: The app uses Prisma 5.22.0 (...); the tenant kit needs 6.16 or later ...
 */
export class UnsupportedPrismaError extends CodemodError {
  override readonly name = "UnsupportedPrismaError";
  /** The version (or package.json range) found. */
  readonly found: string;

  constructor(found: string, source: string) {
    super(
      "TENANT_KIT_PRISMA_TOO_OLD",
      `The app uses Prisma ${found} (${source}); the tenant kit needs Prisma 6.16 or later (driver adapters, ` +
        `engineType = "client"), 7 recommended. Nothing was written. Upgrade first: ` +
        `npm install prisma@^6.16 @prisma/client@^6.16 (or @7), run prisma generate, make the app compile, ` +
        `then re-run tenant-kit migrate --phase install.`,
    );
    this.found = found;
  }
}
