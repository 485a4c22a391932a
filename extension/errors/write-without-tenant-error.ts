import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when the database refused a write because no tenant was set: a query of the bare client (no `$forTenant` /
 * `$withTenant`), or of a plain `prisma.$transaction(...)`, ran with the tenant setting empty and an RLS policy's
 * `WITH CHECK` rejected the new row (SQLSTATE 42501, "new row violates row-level security policy"). Nothing was
 * written. The server's error is the `cause`.
 *
 * Without a tenant, reads return no rows and updates or deletes match none (Prisma's P2025 for `update` /
 * `delete`): only a new row is refused with an error, so only creates and upserts get this one.
 *
 * @example
 * ```ts
 * await prisma.customer.create({ data }); // rejects: WRITE_WITHOUT_TENANT, table "Customer"
 * await prisma.$withTenant(tenantId, (tx) => tx.customer.create({ data })); // fine
 * ```
 */
export class WriteWithoutTenantError extends TenantKitError {
  override readonly name = "WriteWithoutTenantError";
  readonly code = "WRITE_WITHOUT_TENANT";

  constructor(
    /** The table whose row-level security policy refused the row, when the server named it. */
    readonly table: string | undefined,
    options: { cause: unknown },
  ) {
    super(
      `The database refused to write a row${table === undefined ? "" : ` of table ${JSON.stringify(table)}`}: no ` +
        `tenant was set for this query (the tenant setting was empty), so row-level security rejected it and nothing ` +
        `was written. Run writes inside prisma.$withTenant(tenantId, (tx) => tx...) or on ` +
        `prisma.$forTenant(tenantId); for cross-tenant admin work use createAdminAdapter with its own role.`,
      options,
    );
  }
}

/**
 * The kit's error for `error` when it is row-level security refusing a new row of a statement sent without a tenant
 * (`tenantSet` false: the tenant setting was empty); `error` itself otherwise.
 */
export function asWriteWithoutTenant(error: unknown, tenantSet: boolean): unknown {
  if (tenantSet) return error;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // 42501 is also "permission denied for table": only the RLS check is about a missing tenant.
  if (code !== "42501" || typeof message !== "string" || !message.includes("row-level security")) return error;
  const table = /for table "((?:[^"]|"")*)"/.exec(message)?.[1]?.replaceAll('""', '"');
  return new WriteWithoutTenantError(table, { cause: error });
}
