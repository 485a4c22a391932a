/**
 * The statement sent before every query (and at the start of every transaction) to carry the tenant, plus the
 * statement timeout when one is configured. `is_local = true` scopes both to the current transaction: the implicit
 * one that ends at the Sync for a per-query call, or the explicit one of `$withTenant`. All values are bind
 * parameters, never spliced into SQL text. Setting statement_timeout here rather than at connect makes it hold behind
 * PgBouncer in transaction mode too, which drops startup parameters.
 */
export interface TenantPrelude {
  readonly sql: string;
  values(tenantId: string): string[];
}

/** `SELECT set_config($1, $2, true)`: the prelude without a statement timeout. */
export const SET_TENANT_SQL = "SELECT set_config($1, $2, true)";

/** Builds the prelude for `setting` (e.g. `app.tenant_id`) and an optional statement timeout in ms. */
export function createTenantPrelude(setting: string, statementTimeoutMillis?: number): TenantPrelude {
  if (!statementTimeoutMillis) return { sql: SET_TENANT_SQL, values: (tenantId) => [setting, tenantId] };
  const timeout = `${Math.round(statementTimeoutMillis)}ms`;
  return {
    sql: `${SET_TENANT_SQL}, set_config('statement_timeout', $3, true)`,
    values: (tenantId) => [setting, tenantId, timeout],
  };
}
