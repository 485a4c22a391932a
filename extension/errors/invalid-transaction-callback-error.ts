import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `$withTenant(tenantId, fn)` when `fn` is not a function (usually forgotten). Nothing was sent to the
 * database.
 *
 * @example
 * ```ts
 * await prisma.$withTenant(tenantId); // rejects with InvalidTransactionCallbackError (INVALID_TRANSACTION_CALLBACK)
 * await prisma.$withTenant(tenantId, (tx) => tx.order.create({ data })); // fine
 * ```
 */
export class InvalidTransactionCallbackError extends TenantKitError {
  override readonly name = "InvalidTransactionCallbackError";
  readonly code = "INVALID_TRANSACTION_CALLBACK";

  constructor(received: unknown) {
    super(
      `$withTenant(tenantId, fn) needs fn, a function that receives the transaction client and returns a promise; ` +
        `it got ${received === null ? "null" : typeof received}. Pass the work to run in the transaction: ` +
        `prisma.$withTenant(tenantId, (tx) => tx.order.create({ data })).`,
    );
  }
}
