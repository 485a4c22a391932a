import { kitErrorMeta, TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by a batch `$transaction([...])` whose queries do not all belong to one tenant: queries of two `$forTenant`
 * clients, a `$forTenant` query beside a bare one, or another tenant's queries in `$forTenant(a).$transaction([...])`.
 * A transaction serves one tenant, so the kit refuses the batch before any of its statements is sent: nothing ran.
 *
 * Raised below Prisma Client, it reaches the caller of `$transaction` as this instance (the kit's query hook finds it
 * in the `PrismaClientKnownRequestError` Prisma wraps it in); a query extension applied after `tenantExtension()`
 * sees Prisma's error with the same `code` and `meta.tenants`.
 *
 * @example
 * ```ts
 * const [dbA, dbB] = [prisma.$forTenant(a), prisma.$forTenant(b)];
 * await prisma.$transaction([dbA.order.create({ data }), dbB.auditLog.create({ data })]);
 * // throws MixedTenantBatchError (code TENANT_BATCH_MIXED): run one batch per tenant instead
 * ```
 */
export class MixedTenantBatchError extends TenantKitError {
  override readonly name = "MixedTenantBatchError";
  readonly code = MIXED_TENANT_BATCH_CODE;
  /** The tenants found in the batch; `null` stands for queries without a tenant (bare client). */
  readonly meta: { tenants: (string | null)[] };

  constructor(tenants: (string | null)[], options?: { cause?: unknown }) {
    const shown = tenants.map((tenant) => (tenant === null ? "no tenant (bare client)" : JSON.stringify(tenant)));
    super(
      `A batch $transaction([...]) mixed queries of ${shown.join(" and ")}; nothing was run. A transaction ` +
        `serves one tenant: build every query of the batch from the same prisma.$forTenant(tenantId) client, one ` +
        `batch per tenant.`,
      options,
    );
    this.meta = kitErrorMeta(this, { tenants });
  }
}

/** The stable code of {@link MixedTenantBatchError}. */
export const MIXED_TENANT_BATCH_CODE = "TENANT_BATCH_MIXED";
