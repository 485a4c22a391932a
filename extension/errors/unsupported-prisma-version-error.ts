import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `tenantExtension()` when the Prisma Client it extends lacks the request batching internals the kit guards
 * (see `extension/prisma/batching-guard.ts`). The kit refuses to run rather than risk batching two tenants' queries
 * into one statement.
 */
export class UnsupportedPrismaVersionError extends TenantKitError {
  override readonly name = "UnsupportedPrismaVersionError";
  readonly code = "UNSUPPORTED_PRISMA_VERSION";

  constructor(detail: string) {
    super(
      `This Prisma Client cannot be made tenant-safe: ${detail}. prisma-tenant-kit supports @prisma/client 7.x ` +
        `with a driver adapter; install a supported version or open an issue with your Prisma version.`,
    );
  }
}
