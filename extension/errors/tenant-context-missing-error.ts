import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by a client built with `tenantExtension({ strict: true })` when a query would run without a tenant, before it
 * reaches the database. Without `strict` the same query runs and row-level security returns no rows.
 *
 * @example
 * ```ts
 * await prisma.customer.findMany(); // throws TenantContextMissingError (code TENANT_CONTEXT_MISSING)
 * await prisma.$forTenant(tenantId).customer.findMany(); // fine
 * ```
 */
export class TenantContextMissingError extends TenantKitError {
  override readonly name = "TenantContextMissingError";
  readonly code = "TENANT_CONTEXT_MISSING";

  /**
   * @param operation the call that ran without a tenant, e.g. `prisma.customer.findMany()`
   * @param where `inTransactionCallback`: it ran on the bare client inside a `$withTenant` callback
   */
  constructor(operation: string, where: { inTransactionCallback?: boolean } = {}) {
    super(
      where.inTransactionCallback
        ? `${operation} ran without a tenant inside a $withTenant callback, on the bare client: that query is not ` +
            `part of the transaction. Run it on the callback's tx argument: prisma.$withTenant(id, (tx) => tx...).`
        : `${operation} ran without a tenant. Run it through prisma.$forTenant(tenantId) or inside ` +
            `prisma.$withTenant(tenantId, fn); for cross-tenant admin work use createAdminAdapter with its own role.`,
    );
  }
}
