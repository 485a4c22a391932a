import pg from "pg";

/**
 * The statement that carries the tenant. `is_local = true` scopes the setting to the current transaction: the implicit
 * one that ends at the Sync for a per-query call, or the explicit one of `$withTenant`. Setting name and tenant are
 * both bind parameters, so neither is ever spliced into SQL text.
 */
export const SET_TENANT_SQL = "SELECT set_config($1, $2, true)";

/** The parts of pg's wire connection that a Submittable writes to (pg/lib/connection.js, pg 8.23). */
interface PgConnection {
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[] }): void;
  execute(message: { portal: string; rows: number }): void;
}

/** The protected hooks of pg's Query (pg/lib/query.js, pg 8.23) that TenantQuery overrides. */
interface PgQueryHooks {
  requiresPreparation(): boolean;
  prepare(connection: PgConnection): void;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: PgConnection): void;
}

type QueryCallback = (error: Error | null, result: pg.QueryResult) => void;
const PgQuery = pg.Query as unknown as new (
  config: pg.QueryConfig,
  values: undefined,
  callback: QueryCallback,
) => pg.Query & PgQueryHooks;

/**
 * A pg Submittable that sends `SELECT set_config($1, $2, true)` and the caller's query in ONE network write, closed by
 * ONE Sync, so both run in the same implicit transaction and the server answers with one ReadyForQuery:
 *
 * ```text
 * Parse("SELECT set_config($1, $2, true)") Bind(['app.tenant_id', tenantId]) Execute
 * Parse(query) Bind(values) Describe(portal) Execute
 * Sync
 * ```
 *
 * The setting ends with that implicit transaction, so nothing stays on the connection, which is what makes it safe
 * behind PgBouncer in transaction mode (PgBouncer hands the server connection back at the ReadyForQuery). The
 * set_config's own row and CommandComplete are swallowed; everything after them is pg's ordinary Query handling, so
 * results, type parsing and errors are exactly pg's. Inside an explicit transaction the same messages scope the
 * setting to that transaction.
 *
 * Relies on pg 8.23 internals (the hooks above); `test/extension/pg-wire-protocol.test.ts` fails if they change.
 */
export class TenantQuery extends PgQuery {
  #inPrelude = true;
  readonly #setting: string;
  readonly #tenantId: string;

  constructor(setting: string, tenantId: string, config: pg.QueryConfig, callback: QueryCallback) {
    super(config, undefined, callback);
    this.#setting = setting;
    this.#tenantId = tenantId;
  }

  // The prelude only exists in the extended protocol, so even parameterless text goes through Parse/Bind/Execute.
  override requiresPreparation(): boolean {
    return true;
  }

  override prepare(connection: PgConnection): void {
    connection.parse({ text: SET_TENANT_SQL, name: "", types: [] });
    connection.bind({ portal: "", statement: "", values: [this.#setting, this.#tenantId] });
    connection.execute({ portal: "", rows: 0 });
    super.prepare(connection);
  }

  override handleDataRow(message: unknown): void {
    if (!this.#inPrelude) super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: PgConnection): void {
    if (this.#inPrelude) {
      this.#inPrelude = false;
      return;
    }
    super.handleCommandComplete(message, connection);
  }
}
