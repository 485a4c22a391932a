import type pg from "pg";
import { tenantContext } from "../tenant-context.ts";
import { propagateToCitusWorkers } from "./citus-prelude.ts";
import type { TenantPool } from "./tenant-pool.ts";
import { CitusContextModeError } from "../errors/citus-context-mode-error.ts";
import { type ContextRoleProblem, ContextRoleUnusableError } from "../errors/context-role-unusable-error.ts";
import { RlsBypassingRoleError } from "../errors/rls-bypassing-role-error.ts";
import type { TenantContextMode } from "./tenant-prelude.ts";

/**
 * The one statement the adapter sends per pool before its first use. A plain catalog read, so it works the same
 * through PgBouncer in transaction mode; `pg_roles`, `pg_class` and `pg_extension` are readable by every role. Besides
 * the role's own attributes it lists the superuser or BYPASSRLS roles it is a member of (transitively; a member can
 * `SET ROLE` to them) and the tables with RLS enabled but not FORCEd that it owns or is a member of the owner of
 * (owners skip their tables' policies). It also tells whether the database is a Citus cluster, where the tenant must
 * travel in a transaction block.
 */
const ROLE_CHECK_SQL = `SELECT current_user AS role, r.rolsuper, r.rolbypassrls, current_database() AS database,
  EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus,
  ARRAY(SELECT b.rolname::text FROM pg_roles b
         WHERE (b.rolsuper OR b.rolbypassrls) AND b.oid <> r.oid AND pg_has_role(r.oid, b.oid, 'MEMBER')
         ORDER BY 1) AS "bypassingRoles",
  ARRAY(SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND NOT c.relforcerowsecurity
           AND pg_has_role(r.oid, c.relowner, 'MEMBER')
         ORDER BY 1) AS "ownedUnforcedTables",
  (SELECT coalesce(json_agg(json_build_object('role', q.name, 'exists', x.oid IS NOT NULL,
          'member', CASE WHEN x.oid IS NULL THEN false ELSE pg_has_role(current_user, x.oid, 'MEMBER') END,
          'bypass', coalesce(x.rolsuper OR x.rolbypassrls, false))), '[]')
     FROM unnest($1::text[]) AS q(name) LEFT JOIN pg_roles x ON x.rolname = q.name) AS context_roles
  FROM pg_roles r WHERE r.rolname = current_user`;

/** The value of `allowRlsBypassingRole` that turns the check off. Long on purpose: grep for it before a release. */
export const ALLOW_RLS_BYPASSING_ROLE = "i-know-this-serves-every-tenant";

/** What the role check learnt about the server, besides the role being subject to RLS. */
interface RoleCheckResult {
  /** The `citus` extension is installed in the database: the tenant must reach its worker nodes. */
  readonly citus: boolean;
}

/**
 * Resolves when the pool's role is subject to row-level security (not a superuser, without BYPASSRLS, a member of no
 * such role, owner of no table whose RLS is not FORCEd) and the context mode carries the tenant to where the rows
 * are: on a Citus database only the transaction-block mode does; and each of the adapter's `roles` exists, may be
 * taken by the login role and bypasses nothing. Sends {@link ROLE_CHECK_SQL}, once:
 *
 * ```sql
 * SELECT current_user AS role, r.rolsuper, r.rolbypassrls, current_database() AS database,
 *        EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus,
 *        ARRAY(SELECT b.rolname ... WHERE (b.rolsuper OR b.rolbypassrls) AND pg_has_role(r.oid, b.oid, 'MEMBER'))
 *          AS "bypassingRoles",
 *        ARRAY(SELECT format('%I.%I', ...) FROM pg_class c ... WHERE c.relrowsecurity AND NOT c.relforcerowsecurity
 *                AND pg_has_role(r.oid, c.relowner, 'MEMBER')) AS "ownedUnforcedTables",
 *        (SELECT json_agg(...) FROM unnest($1::text[]) ... LEFT JOIN pg_roles ...) AS context_roles
 *   FROM pg_roles r WHERE r.rolname = current_user                -- $1: the adapter's `roles`
 * ```
 * @throws {RlsBypassingRoleError} naming the role and what lets it bypass RLS.
 * @throws {CitusContextModeError} on a Citus database in the `"set-config"` mode.
 * @throws {ContextRoleUnusableError} naming each of `roles` that is missing, not granted, or bypasses RLS.
 */
async function assertRoleSubjectToRls(
  pool: Pick<pg.Pool, "query">,
  contextMode: TenantContextMode = "set-config",
  roles: readonly string[] = [],
): Promise<RoleCheckResult> {
  const { rows } = await pool.query<{
    role: string;
    rolsuper: boolean;
    rolbypassrls: boolean;
    database: string;
    citus: boolean;
    bypassingRoles: string[];
    ownedUnforcedTables: string[];
    context_roles: { role: string; exists: boolean; member: boolean; bypass: boolean }[];
  }>(ROLE_CHECK_SQL, [roles]);
  const row = rows[0];
  if (!row) return { citus: false }; // current_user always has a pg_roles row; nothing to judge otherwise.
  const attributes = [row.rolsuper && "SUPERUSER", row.rolbypassrls && "BYPASSRLS"].filter(
    (attribute): attribute is "SUPERUSER" | "BYPASSRLS" => typeof attribute === "string",
  );
  const { bypassingRoles, ownedUnforcedTables } = row;
  if (attributes.length > 0 || bypassingRoles.length > 0 || ownedUnforcedTables.length > 0) {
    throw new RlsBypassingRoleError(row.role, { attributes, bypassingRoles, ownedUnforcedTables });
  }
  if (row.citus && contextMode !== "transaction-block") throw new CitusContextModeError(row.database);
  const problems = row.context_roles.flatMap(({ role, exists, member, bypass }) => {
    const problem: ContextRoleProblem | undefined = !exists
      ? "missing"
      : bypass
        ? "bypasses-rls"
        : !member
          ? "not-member"
          : undefined;
    return problem ? [{ role, problem }] : [];
  });
  if (problems.length > 0) throw new ContextRoleUnusableError(row.role, problems);
  return { citus: row.citus };
}

/**
 * The check every pool of an adapter (the primary's and each replica's) passes before its first use:
 * {@link assertRoleSubjectToRls}, and on a Citus database the prelude that forwards the tenant to the worker nodes
 * (see propagateToCitusWorkers). Runs outside the caller's context, so the first query's tenant or read mark never
 * sends it elsewhere (with replicas, a read's mark would send the primary's check to a replica).
 */
export async function checkPoolRole(
  pool: TenantPool,
  contextMode?: TenantContextMode,
  roles?: readonly string[],
): Promise<void> {
  const { citus } = await tenantContext.exit(() => assertRoleSubjectToRls(pool, contextMode, roles));
  if (citus) pool.tenantPrelude = propagateToCitusWorkers(pool.tenantPrelude);
}
