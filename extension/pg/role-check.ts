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
 * through PgBouncer in transaction mode; `pg_roles` and `pg_extension` are readable by every role. It also tells
 * whether the database is a Citus cluster, where the tenant must travel in a transaction block.
 */
const ROLE_CHECK_SQL =
  "SELECT current_user AS role, rolsuper, rolbypassrls, current_database() AS database, " +
  "EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus, " +
  // The adapter's `roles` ($1): each must exist, be one the login role may SET ROLE to, and bypass nothing.
  "(SELECT coalesce(json_agg(json_build_object('role', r.name, 'exists', x.oid IS NOT NULL, " +
  "'member', CASE WHEN x.oid IS NULL THEN false ELSE pg_has_role(current_user, x.oid, 'MEMBER') END, " +
  "'bypass', coalesce(x.rolsuper OR x.rolbypassrls, false))), '[]') " +
  "FROM unnest($1::text[]) AS r(name) LEFT JOIN pg_roles x ON x.rolname = r.name) AS context_roles " +
  "FROM pg_roles WHERE rolname = current_user";

/** The value of `allowRlsBypassingRole` that turns the check off. Long on purpose: grep for it before a release. */
export const ALLOW_RLS_BYPASSING_ROLE = "i-know-this-serves-every-tenant";

/** What the role check learnt about the server, besides the role being subject to RLS. */
interface RoleCheckResult {
  /** The `citus` extension is installed in the database: the tenant must reach its worker nodes. */
  readonly citus: boolean;
}

/**
 * Resolves when the pool's role is subject to row-level security (not a superuser, without BYPASSRLS) and the
 * context mode carries the tenant to where the rows are: on a Citus database only the transaction-block mode does;
 * and each of the adapter's `roles` exists, may be taken by the login role and bypasses nothing.
 *
 * ```sql
 * SELECT current_user AS role, rolsuper, rolbypassrls, current_database() AS database,
 *        EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus,
 *        (SELECT coalesce(json_agg(json_build_object('role', r.name, 'exists', x.oid IS NOT NULL,
 *                'member', pg_has_role(current_user, x.oid, 'MEMBER'), 'bypass', x.rolsuper OR x.rolbypassrls)), '[]')
 *           FROM unnest($1::text[]) AS r(name) LEFT JOIN pg_roles x ON x.rolname = r.name) AS context_roles
 *   FROM pg_roles WHERE rolname = current_user                    -- $1: the adapter's roles
 * ```
 * @throws {RlsBypassingRoleError} naming the role and the attribute(s) that let it bypass RLS.
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
    context_roles: { role: string; exists: boolean; member: boolean; bypass: boolean }[];
  }>(ROLE_CHECK_SQL, [roles]);
  const row = rows[0];
  if (!row) return { citus: false }; // current_user always has a pg_roles row; nothing to judge otherwise.
  const attributes = [row.rolsuper && "SUPERUSER", row.rolbypassrls && "BYPASSRLS"].filter(
    (attribute): attribute is "SUPERUSER" | "BYPASSRLS" => typeof attribute === "string",
  );
  if (attributes.length > 0) throw new RlsBypassingRoleError(row.role, attributes);
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
