import pg from "pg";
import type { PipelineStatement, QueryPipeline } from "./query-pipeline.ts";

/** The parts of pg's wire connection that a Submittable writes to (pg/lib/connection.js, pg 8.23). */
interface PgConnection {
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: readonly unknown[] }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
}

/** The protected hooks of pg's Query (pg/lib/query.js, pg 8.23) that TenantQuery overrides. */
interface PgQueryHooks {
  /** Called by pg's Client when it writes the query: the previous one has completed. An Error refuses it unsent. */
  submit(connection: PgConnection): Error | undefined;
  requiresPreparation(): boolean;
  /** Writes Parse/Bind/Describe/Execute and, at its end (also when Bind fails), Sync. */
  prepare(connection: PgConnection): void;
  handleDataRow(message: { fields: (string | null)[] }): void;
  handleCommandComplete(message: unknown, connection: PgConnection): void;
  handleEmptyQuery(connection: PgConnection): void;
}

type QueryCallback = (error: Error | null, result: pg.QueryResult) => void;
const PgQuery = pg.Query as unknown as new (
  config: pg.QueryConfig,
  values: undefined,
  callback: QueryCallback,
) => Omit<pg.Query, "submit"> & PgQueryHooks & { rows?: number };

/**
 * A pg Submittable that sends the caller's query between the statements of a {@link QueryPipeline}, in ONE network
 * write closed by ONE Sync, so the server answers with one ReadyForQuery. With the set-config prelude:
 *
 * ```text
 * Parse("SELECT set_config($1, $2, true)") Bind(['app.tenant_id', tenantId]) Execute   -- pipeline.before
 * Parse(query) Bind(values) Describe(portal) Execute                                  -- the caller's query
 * Sync
 * ```
 *
 * and with the transaction-block prelude `BEGIN`, `SET LOCAL ...` before and `COMMIT` after the query, each its own
 * Parse/Bind/Execute. The pipeline's replies are swallowed (each DataRow goes to the statement's `onRow`, each
 * CommandComplete is dropped); everything of the caller's query is pg's ordinary Query handling, so results, type
 * parsing and errors are exactly pg's. If a statement fails, the server skips to the Sync and the callback gets that
 * error.
 *
 * `beforeSend` runs when pg's Client is about to write the statement, i.e. once every statement queued before it on
 * that connection has completed: an Error it returns refuses the statement unsent (pg hands it to the callback). That
 * is where a connection checkout refuses statements that outlived it (see TenantCheckout).
 *
 * Relies on pg 8.23 internals (the hooks above); `test/driver/wire-protocol.test.ts` fails if they change.
 */
export class TenantQuery extends PgQuery {
  readonly #pipeline: QueryPipeline;
  readonly #beforeSend: (() => Error | undefined) | undefined;
  /** Whose replies arrive now: an index into before, then the caller's query, then after. */
  #replying = 0;

  constructor(
    pipeline: QueryPipeline,
    config: pg.QueryConfig,
    callback: QueryCallback,
    beforeSend?: () => Error | undefined,
  ) {
    super(config, undefined, callback);
    this.#pipeline = pipeline;
    this.#beforeSend = beforeSend;
  }

  override submit(connection: PgConnection): Error | undefined {
    const refusal = this.#beforeSend?.();
    if (refusal) return refusal;
    // A row-limited portal syncs per page, so statements after it cannot share its Sync. Prisma never sets rows.
    if (this.rows && this.#pipeline.after.length > 0) {
      return new Error("A query with `rows` (a paged portal) cannot run in the transaction-block context mode.");
    }
    return super.submit(connection);
  }

  // The pipeline only exists in the extended protocol, so even parameterless text goes through Parse/Bind/Execute.
  override requiresPreparation(): boolean {
    return this.#pipeline.before.length + this.#pipeline.after.length > 0 || super.requiresPreparation();
  }

  override prepare(connection: PgConnection): void {
    for (const statement of this.#pipeline.before) send(connection, statement);
    const { after } = this.#pipeline;
    if (after.length === 0) {
      super.prepare(connection);
      return;
    }
    // pg's prepare ends with Sync, also on its Bind-error path: the after statements go right before that Sync.
    const sync = () => {
      for (const statement of after) send(connection, statement);
      connection.sync();
    };
    super.prepare(Object.create(connection, { sync: { value: sync } }) as PgConnection);
  }

  override handleDataRow(message: { fields: (string | null)[] }): void {
    const statement = this.#statementReplying();
    if (statement === "query") super.handleDataRow(message);
    else statement?.onRow?.(message.fields);
  }

  override handleCommandComplete(message: unknown, connection: PgConnection): void {
    const statement = this.#statementReplying();
    this.#replying++;
    if (statement === "query") super.handleCommandComplete(message, connection);
  }

  // An empty query text gets EmptyQueryResponse instead of CommandComplete.
  override handleEmptyQuery(connection: PgConnection): void {
    this.#replying++;
    super.handleEmptyQuery(connection);
  }

  #statementReplying(): PipelineStatement | "query" | undefined {
    const { before, after } = this.#pipeline;
    if (this.#replying < before.length) return before[this.#replying];
    if (this.#replying === before.length) return "query";
    return after[this.#replying - before.length - 1];
  }
}

function send(connection: PgConnection, statement: PipelineStatement): void {
  connection.parse({ text: statement.text, name: "", types: [] });
  connection.bind({ portal: "", statement: "", values: statement.values ?? [] });
  connection.execute({ portal: "", rows: 0 });
}
