import pg from "pg";
import type { PipelineStatement, QueryPipeline } from "./query-pipeline.ts";

/**
 * How the tenant reaches the server (the adapter option `contextMode`):
 *
 * - `"set-config"` (default): `SELECT set_config($1, $2, true)` before the query, in the implicit transaction that
 *   ends at the Sync. No BEGIN/COMMIT; the tenant travels as a bind parameter.
 * - `"transaction-block"`: `BEGIN; SET LOCAL <setting> = '<tenant>'; <query>; COMMIT` before the Sync, for servers
 *   and routers that honour the setting only inside an explicit transaction block (Citus, statement-routing poolers).
 */
export type TenantContextMode = "set-config" | "transaction-block";

/** The context modes {@link createTenantPrelude} accepts. */
export const TENANT_CONTEXT_MODES: readonly TenantContextMode[] = ["set-config", "transaction-block"];

/**
 * The statements that carry the tenant (and the statement timeout, when one is configured) with a query, for one
 * context mode. Everything is scoped to the current transaction: the implicit one that ends at the Sync, the explicit
 * one the transaction-block mode opens and commits around a query, or the caller's own (`$withTenant`). Setting
 * statement_timeout here rather than at connect makes it hold behind PgBouncer in transaction mode too, which drops
 * startup parameters.
 */
export interface TenantPrelude {
  /** Around a query that runs on its own (`pool.query`): after it, nothing is left on the connection. */
  standalone(tenantId: string): QueryPipeline;
  /** Before the first data statement of an explicit transaction (after its `BEGIN`). */
  inTransaction(tenantId: string): QueryPipeline;
}

/** `SELECT set_config($1, $2, true)`: the set-config prelude without a statement timeout. */
export const SET_TENANT_SQL = "SELECT set_config($1, $2, true)";

/**
 * Builds the prelude for `setting` (e.g. `app.tenant_id`, already validated as a custom setting name), an optional
 * statement timeout in ms, and the context mode.
 *
 * ```text
 * set-config         SELECT set_config($1, $2, true)[, set_config('statement_timeout', $3, true)]   -- bind values
 * transaction-block  BEGIN                                          -- per-query calls only
 *                    SET LOCAL app.tenant_id = 'o''brien'           -- quoted by pg.escapeLiteral: SET takes no $n
 *                    SET LOCAL statement_timeout = '5000ms'         -- when configured
 *                    <the query>
 *                    COMMIT                                         -- per-query calls only
 * ```
 */
export function createTenantPrelude(
  setting: string,
  statementTimeoutMillis?: number,
  mode: TenantContextMode = "set-config",
): TenantPrelude {
  const timeout = statementTimeoutMillis ? `${Math.round(statementTimeoutMillis)}ms` : undefined;
  if (mode === "transaction-block") {
    const timeoutStatements = timeout ? [{ text: `SET LOCAL statement_timeout = '${timeout}'` }] : [];
    const setLocal = (tenantId: string): PipelineStatement[] => [
      // escapeLiteral doubles quotes and backslashes (E'' form when there is one): the id cannot end the literal.
      { text: `SET LOCAL ${setting} = ${pg.escapeLiteral(tenantId).trimStart()}` },
      ...timeoutStatements,
    ];
    return {
      standalone: (tenantId) => ({ before: [BEGIN, ...setLocal(tenantId)], after: [COMMIT], opensBlock: true }),
      inTransaction: (tenantId) => ({ before: setLocal(tenantId), after: [] }),
    };
  }
  const text = timeout ? `${SET_TENANT_SQL}, set_config('statement_timeout', $3, true)` : SET_TENANT_SQL;
  const setConfig = (tenantId: string): QueryPipeline => ({
    before: [{ text, values: timeout ? [setting, tenantId, timeout] : [setting, tenantId] }],
    after: [],
  });
  return { standalone: setConfig, inTransaction: setConfig };
}

const BEGIN: PipelineStatement = { text: "BEGIN" };
const COMMIT: PipelineStatement = { text: "COMMIT" };
