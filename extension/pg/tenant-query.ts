import pg from "pg";
import type { TenantPrelude } from "./tenant-prelude.ts";

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
 * Parse("SELECT set_config($1, $2, true)") Bind(['app.tenant_id', tenantId]) Execute   -- the TenantPrelude
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
  readonly #prelude: TenantPrelude;
  readonly #tenantId: string;

  constructor(prelude: TenantPrelude, tenantId: string, config: pg.QueryConfig, callback: QueryCallback) {
    super(config, undefined, callback);
    this.#prelude = prelude;
    this.#tenantId = tenantId;
  }

  // The prelude only exists in the extended protocol, so even parameterless text goes through Parse/Bind/Execute.
  override requiresPreparation(): boolean {
    return true;
  }

  override prepare(connection: PgConnection): void {
    connection.parse({ text: this.#prelude.sql, name: "", types: [] });
    connection.bind({ portal: "", statement: "", values: this.#prelude.values(this.#tenantId) });
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
