import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when `$withTenant(b, fn)` is called inside a `$withTenant(a, ...)` transaction for another tenant. A
 * transaction belongs to exactly one tenant; the inner call did not run and the outer transaction rolls back if the
 * error propagates.
 *
 * @example
 * ```ts
 * await prisma.$withTenant(a, async () => prisma.$withTenant(b, fn)); // throws TenantMismatchError (TENANT_MISMATCH)
 * ```
 */
export class TenantMismatchError extends TenantKitError {
  readonly code = "TENANT_MISMATCH";

  constructor(activeTenantId: string, requestedTenantId: string) {
    super(
      `$withTenant(${JSON.stringify(requestedTenantId)}) was called inside a transaction of tenant ` +
        `${JSON.stringify(activeTenantId)}. A transaction serves one tenant: finish it first, or run the other ` +
        `tenant's work with prisma.$forTenant(otherTenantId) outside it.`,
    );
  }
}
