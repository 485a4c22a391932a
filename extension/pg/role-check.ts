import type pg from "pg";
import { RlsBypassingRoleError } from "../errors/rls-bypassing-role-error.ts";

/**
 * The one statement the adapter sends per pool before its first use. A plain catalog read, so it works the same
 * through PgBouncer in transaction mode; `pg_roles` is readable by every role.
 */
export const ROLE_CHECK_SQL =
  "SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user";

/** The value of `allowRlsBypassingRole` that turns the check off. Long on purpose: grep for it before a release. */
export const ALLOW_RLS_BYPASSING_ROLE = "i-know-this-serves-every-tenant";

/**
 * Resolves when the pool's role is subject to row-level security: not a superuser and without BYPASSRLS.
 *
 * ```sql
 * SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user
 * ```
 * @throws {RlsBypassingRoleError} naming the role and the attribute(s) that let it bypass RLS.
 */
export async function assertRoleSubjectToRls(pool: Pick<pg.Pool, "query">): Promise<void> {
  const { rows } = await pool.query<{ role: string; rolsuper: boolean; rolbypassrls: boolean }>(ROLE_CHECK_SQL);
  const row = rows[0];
  if (!row) return; // current_user always has a pg_roles row; nothing to judge otherwise.
  const attributes = [row.rolsuper && "SUPERUSER", row.rolbypassrls && "BYPASSRLS"].filter(
    (attribute): attribute is "SUPERUSER" | "BYPASSRLS" => typeof attribute === "string",
  );
  if (attributes.length > 0) throw new RlsBypassingRoleError(row.role, attributes);
}
