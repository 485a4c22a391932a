import { TenantKitError } from "./tenant-kit-error.ts";

/** What lets the application role escape row-level security. */
export interface RlsBypassReasons {
  /** Role attributes of the role itself. */
  readonly attributes: ReadonlyArray<"SUPERUSER" | "BYPASSRLS">;
  /** Superuser or BYPASSRLS roles it is a member of, directly or transitively: it can `SET ROLE` to them. */
  readonly bypassingRoles?: readonly string[];
  /** Tables with RLS enabled but not FORCEd that it owns (or can act as the owner of), schema-qualified. */
  readonly ownedUnforcedTables?: readonly string[];
}

/**
 * Thrown by `createTenantAdapter` on its first connection when the application role is a superuser or has BYPASSRLS,
 * can become such a role (it is a member of one: `SET ROLE`), or owns a table whose RLS is not FORCEd (owners skip
 * their tables' policies): `$forTenant(a)` could return every tenant's rows (even with `strict: true`). Nothing else
 * ran on the pool. Connect the application as a role with NOSUPERUSER NOBYPASSRLS that owns no table and is a member
 * of no such role.
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
  /** The role's own attributes that bypass RLS (empty when only membership or ownership does). */
  readonly attributes: ReadonlyArray<"SUPERUSER" | "BYPASSRLS">;
  /** Superuser or BYPASSRLS roles the role can `SET ROLE` to. */
  readonly bypassingRoles: readonly string[];
  /** Tables it owns whose RLS is not FORCEd. */
  readonly ownedUnforcedTables: readonly string[];

  constructor(
    /** The role the connection string logs in as (`current_user`). */
    readonly role: string,
    /** What lets it bypass row-level security: its own attributes (the array form is the one of earlier releases). */
    reasons: ReadonlyArray<"SUPERUSER" | "BYPASSRLS"> | RlsBypassReasons,
  ) {
    const all: RlsBypassReasons = "attributes" in reasons ? reasons : { attributes: reasons };
    const bypassingRoles = all.bypassingRoles ?? [];
    const ownedUnforcedTables = all.ownedUnforcedTables ?? [];
    const why = [
      all.attributes.length > 0 && `is ${all.attributes.join(" and ")}`,
      bypassingRoles.length > 0 &&
        `is a member of ${bypassingRoles.map((r) => JSON.stringify(r)).join(", ")} (SUPERUSER or BYPASSRLS), so it ` +
          `can SET ROLE to it`,
      ownedUnforcedTables.length > 0 &&
        `owns ${ownedUnforcedTables.join(", ")}, whose row-level security is not FORCEd (owners skip their ` +
          `tables' policies)`,
    ].filter((part): part is string => typeof part === "string");
    super(
      `createTenantAdapter connected as ${JSON.stringify(role)}, which ${why.join("; and ")}: row-level ` +
        `security does not apply to it, so every tenant could see every tenant's rows. Connect the application as a ` +
        `role without them (CREATE ROLE app LOGIN NOSUPERUSER NOBYPASSRLS; grant it DML on the tenant tables, no ` +
        `membership in a bypassing role, no ownership, and ALTER TABLE ... FORCE ROW LEVEL SECURITY; see ` +
        `docs/rls-migrations.md) and keep ${JSON.stringify(role)} for migrations or createAdminAdapter. For a ` +
        `throwaway experiment only, pass allowRlsBypassingRole: "i-know-this-serves-every-tenant".`,
    );
    this.attributes = all.attributes;
    this.bypassingRoles = bypassingRoles;
    this.ownedUnforcedTables = ownedUnforcedTables;
  }
}
