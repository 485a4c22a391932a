import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when a call asks a client or a transaction that belongs to one tenant for another tenant:
 * `$forTenant(a).$forTenant(b)`, `$forTenant(a).$withTenant(b, fn)`, `$forTenant(a).$transaction(fn)` or
 * `$withTenant(b, fn)` inside the callback of `$withTenant(a, ...)`, `tx.$forTenant(b)`. A client and a transaction
 * serve exactly one tenant (see the composition table in docs/design.md). Nothing was sent to the database; inside a
 * transaction, the transaction rolls back if the error propagates.
 *
 * @example
 * ```ts
 * await prisma.$withTenant(a, async () => prisma.$withTenant(b, fn)); // throws TenantMismatchError (TENANT_MISMATCH)
 * ```
 */
export class TenantMismatchError extends TenantKitError {
  override readonly name = "TenantMismatchError";
  readonly code = "TENANT_MISMATCH";

  /**
   * @param call what was called, e.g. `$withTenant("b")`
   * @param owner what it was called on or inside, e.g. `a transaction of tenant "a"`
   */
  constructor(call: string, owner: string) {
    super(
      `${call} was called on ${owner}. A client or transaction serves one tenant: finish the transaction first, or ` +
        `start the other tenant's work from the bare client (prisma.$forTenant(otherTenantId)) outside it.`,
    );
  }
}
