import { TenantKitError } from "./tenant-kit-error.ts";

/** The `@prisma/client` versions the kit supports, as an npm range. */
export const SUPPORTED_PRISMA_VERSIONS = ">=6.16 <8";

/**
 * Thrown by `tenantExtension()` when the Prisma Client it extends cannot be made tenant-safe: a version outside
 * {@link SUPPORTED_PRISMA_VERSIONS}, a client without a driver adapter, Prisma 6's Rust query engine instead of
 * `engineType = "client"`, or request batching internals the kit does not know (see
 * `extension/prisma/batching-guard.ts`). The kit refuses to run rather than risk batching two tenants' queries into
 * one statement.
 *
 * @example
 * ```ts
 * // @prisma/client 5.22.0:
 * // UnsupportedPrismaVersionError: prisma-tenant-kit supports @prisma/client >=6.16 <8 with a driver adapter, but
 * // this client is 5.22.0. Upgrade @prisma/client and prisma to 6.16 or later.
 * ```
 */
export class UnsupportedPrismaVersionError extends TenantKitError {
  override readonly name = "UnsupportedPrismaVersionError";
  readonly code = "UNSUPPORTED_PRISMA_VERSION";
  /** The range the kit supports: {@link SUPPORTED_PRISMA_VERSIONS}. */
  readonly supportedVersions = SUPPORTED_PRISMA_VERSIONS;
  /** The client's version as Prisma reports it (`Prisma.prismaVersion.client`), or undefined when it reports none. */
  readonly foundVersion: string | undefined;

  /** @param problem what is wrong with this client and what to do, as a full sentence. */
  constructor(foundVersion: string | undefined, problem: string) {
    super(
      `prisma-tenant-kit supports @prisma/client ${SUPPORTED_PRISMA_VERSIONS} with a driver adapter, but this client ` +
        `is ${foundVersion ?? "of an unknown version"}. ${problem}`,
    );
    this.foundVersion = foundVersion;
  }
}
