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
  /** Called by pg's Client when it writes the query: the previous one has completed. An Error refuses it unsent. */
  submit(connection: PgConnection): Error | undefined;
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
) => Omit<pg.Query, "submit"> & PgQueryHooks;

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
 * With `tenantId` undefined it is pg's plain Query (a statement of a transaction whose tenant is already set).
 * `beforeSend` runs when pg's Client is about to write the statement, i.e. once every statement queued before it on
 * that connection has completed: an Error it returns refuses the statement unsent (pg hands it to the callback). That
 * is where a connection checkout refuses statements that outlived it (see TenantCheckout).
 *
 * Relies on pg 8.23 internals (the hooks above); `test/extension/wire-protocol.test.ts` fails if they change.
 */
export class TenantQuery extends PgQuery {
  #inPrelude: boolean;
  readonly #prelude: TenantPrelude;
  readonly #tenantId: string | undefined;
  readonly #beforeSend: (() => Error | undefined) | undefined;

  constructor(
    prelude: TenantPrelude,
    tenantId: string | undefined,
    config: pg.QueryConfig,
    callback: QueryCallback,
    beforeSend?: () => Error | undefined,
  ) {
    super(config, undefined, callback);
    this.#prelude = prelude;
    this.#tenantId = tenantId;
    this.#inPrelude = tenantId !== undefined;
    this.#beforeSend = beforeSend;
  }

  override submit(connection: PgConnection): Error | undefined {
    return this.#beforeSend?.() ?? super.submit(connection);
  }

  // The prelude only exists in the extended protocol, so even parameterless text goes through Parse/Bind/Execute.
  override requiresPreparation(): boolean {
    return this.#tenantId !== undefined || super.requiresPreparation();
  }

  override prepare(connection: PgConnection): void {
    if (this.#tenantId !== undefined) {
      connection.parse({ text: this.#prelude.sql, name: "", types: [] });
      connection.bind({ portal: "", statement: "", values: this.#prelude.values(this.#tenantId) });
      connection.execute({ portal: "", rows: 0 });
    }
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
