import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `createTenantAdapter` on its first connection when the application role is a superuser or has BYPASSRLS:
 * row-level security would not apply, so `$forTenant(a)` would return every tenant's rows (even with `strict: true`).
 * Nothing else ran on the pool. Connect the application as a role with NOSUPERUSER NOBYPASSRLS that owns no table.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString: "postgres://postgres@db/app" });
 * await new PrismaClient({ adapter }).customer.findMany(); // rejects: RLS_BYPASSING_ROLE, "postgres" is SUPERUSER
 * ```
 */
export class RlsBypassingRoleError extends TenantKitError {
  override readonly name = "RlsBypassingRoleError";
  readonly code = "RLS_BYPASSING_ROLE";

  constructor(
    /** The role the connection string logs in as (`current_user`). */
    readonly role: string,
    /** What lets it bypass row-level security. */
    readonly attributes: ReadonlyArray<"SUPERUSER" | "BYPASSRLS">,
  ) {
    super(
      `createTenantAdapter connected as ${JSON.stringify(role)}, which is ${attributes.join(" and ")}: row-level ` +
        `security does not apply to it, so every tenant would see every tenant's rows. Connect the application as a ` +
        `role without them (CREATE ROLE app LOGIN NOSUPERUSER NOBYPASSRLS; grant it DML on the tenant tables; see ` +
        `docs/rls-migrations.md) and keep ${JSON.stringify(role)} for migrations or createAdminAdapter. For a ` +
        `throwaway experiment only, pass allowRlsBypassingRole: "i-know-this-serves-every-tenant".`,
    );
  }
}
