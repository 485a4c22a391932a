import type pg from "pg";
import { type ContextScope, NO_SCOPE } from "../context-scope.ts";
import { StaleStatementError } from "../errors/stale-statement-error.ts";
import { TransactionLeftOpenError } from "../errors/transaction-left-open-error.ts";
import { TransactionNotCommittedError } from "../errors/transaction-not-committed-error.ts";
import { asWriteWithoutTenant } from "../errors/write-without-tenant-error.ts";
import { isConnectionFailure } from "./connection-failure.ts";
import { joinPipelines, NO_PIPELINE, type QueryPipeline } from "./query-pipeline.ts";
import type { TenantClient } from "./tenant-client.ts";
import type { TenantPrelude } from "./tenant-prelude.ts";

/** Statements that must come before any query of a transaction, so the tenant prelude waits until after them. */
const TRANSACTION_PREAMBLE = /^\s*(BEGIN|START\s+TRANSACTION|SET\s+TRANSACTION)\b/i;
/** The statement that ends a transaction Prisma committed (`COMMIT`, or its synonym `END`). */
const COMMIT = /^\s*(COMMIT|END)\s*(TRANSACTION|WORK)?\s*;?\s*$/i;
/** A statement that ends the transaction: `COMMIT` / `END` or `ROLLBACK` / `ABORT` (not `ROLLBACK TO SAVEPOINT`). */
const TRANSACTION_END = /^\s*(COMMIT|END|ROLLBACK|ABORT)\s*(TRANSACTION|WORK)?\s*;?\s*$/i;
const ROLLBACK = /^\s*(ROLLBACK|ABORT)\b/i;
/** The result of a ROLLBACK on a connection the server had already ended (which rolled its transaction back). */
const ROLLED_BACK_WITH_SESSION: pg.QueryResult = { command: "ROLLBACK", rowCount: null, oid: 0, fields: [], rows: [] };
/** Ends the transaction and starts another at once: the new one would run without the tenant, unseen by Prisma. */
const CHAIN = /^\s*(COMMIT|END|ROLLBACK|ABORT)(\s+(TRANSACTION|WORK))?\s+AND\s+CHAIN\s*;?\s*$/i;

type Callback = (error: Error | null, result?: pg.QueryResult) => void;
type Submittable = { submit(connection: unknown): Error | undefined };

/**
 * One checkout of a {@link TenantClient} by `pool.connect()` (how `@prisma/adapter-pg` runs every transaction): the
 * caller gets {@link TenantCheckout.handle}, a view of the client that belongs to this checkout only.
 *
 * - Tenant: the first data statement after `BEGIN` / `SET TRANSACTION` carries the prelude's in-transaction statements
 *   (`SELECT set_config(..., true)`, or `SET LOCAL ...` in the transaction-block mode) before the same Sync: no extra
 *   round trip. `SET LOCAL` outside a transaction block has no effect, so a checkout used without `BEGIN` in that
 *   mode sees no tenant: no rows.
 * - Stray statements: a statement the handle receives is checked when pg is about to write it (once everything queued
 *   before it on the connection has completed) and refused with {@link StaleStatementError}, unsent, if the checkout
 *   was released or its transaction has ended (the server reported idle after being in a transaction). Prisma's query
 *   interpreter keeps the handle of a transaction that timed out or threw and sends the rest of a nested write on it;
 *   those statements fail there instead of running in the next checkout's transaction, under its tenant.
 * - Release: a connection that failed, is still running one of this checkout's statements, or whose last ReadyForQuery
 *   said `T` / `E`, is discarded rather than pooled; the last case also throws {@link TransactionLeftOpenError} from
 *   `release()`.
 *
 * Everything else on the handle is the client itself.
 */
export class TenantCheckout {
  readonly handle: pg.PoolClient;
  readonly #client: TenantClient & pg.PoolClient;
  readonly #release: (error?: Error | boolean) => void;
  readonly #prelude: TenantPrelude;
  readonly #commitPipeline: ((afterError: boolean) => QueryPipeline) | undefined;
  /** This checkout's transaction runs as a tenant (its setting is not empty). */
  readonly #tenantSet: boolean;
  /** A statement of this checkout failed: its transaction may be aborted (unless rolled back to a savepoint). */
  #statementFailed = false;
  /** The first statement error of this checkout: the cause of a COMMIT that Postgres answered with ROLLBACK. */
  #firstFailure: unknown;
  /** The callback sent transaction control the kit refused: its COMMIT becomes a ROLLBACK, and rejects. */
  #refusedControl: TransactionNotCommittedError | undefined;
  #pendingScope: ContextScope | undefined;
  #released = false;
  /**
   * The kit released this checkout itself, after its COMMIT or ROLLBACK failed or Postgres answered its COMMIT with
   * ROLLBACK: the caller's release() does nothing.
   */
  #endedByKit = false;
  #inTransaction = false;
  #running = 0;
  /** A statement of this checkout lost the connection: the status the server last reported no longer applies. */
  #broken: Error | undefined;
  readonly #onError = (error: Error) => void (this.#broken ??= error);

  /**
   * @param commitPipeline the statements around this checkout's `COMMIT` (with read replicas: the commit's WAL
   *   position, for read-your-writes); `afterError` when a statement of the transaction failed, so the transaction
   *   may be aborted and must get no statement before its COMMIT (Postgres answers that COMMIT with a rollback).
   */
  constructor(
    client: TenantClient & pg.PoolClient,
    scope: ContextScope,
    prelude: TenantPrelude,
    commitPipeline?: (afterError: boolean) => QueryPipeline,
  ) {
    this.#client = client;
    this.#prelude = prelude;
    this.#commitPipeline = commitPipeline;
    // pg-pool gives each checkout its own release function; keeping this one makes a late release() a double release.
    this.#release = client.release;
    this.#pendingScope = scope;
    this.#tenantSet = scope.id !== NO_SCOPE.id;
    // Until release, this checkout hears the connection's errors (pg-pool listens only while the client is idle).
    client.on("error", this.#onError);
    const overrides: Partial<Record<PropertyKey, unknown>> = {
      query: (...args: unknown[]) => this.#query(args),
      // After the kit ended the checkout itself (see #endRejected), the caller's release is a no-op.
      release: (error?: Error | boolean) => (this.#endedByKit ? undefined : this.#releaseOnce(error)),
    };
    this.handle = new Proxy(client, {
      get(target, property) {
        if (Object.hasOwn(overrides, property)) return overrides[property];
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  // pg.Client#query is heavily overloaded; the adapter uses the promise form with a config object.
  #query(args: unknown[]): unknown {
    const [config, values] = args as [string | pg.QueryConfig | Submittable, unknown];
    if (config != null && typeof (config as Submittable).submit === "function") {
      const submittable = config as Submittable;
      const submit = submittable.submit.bind(submittable);
      submittable.submit = (connection) => this.#refusal() ?? submit(connection);
      return (this.#client.query as (...a: unknown[]) => unknown)(...args);
    }
    const text = typeof config === "string" ? config : (config as pg.QueryConfig).text;
    const callback = args.find((arg) => typeof arg === "function") as Callback | undefined;
    const result = this.#run(text, config as string | pg.QueryConfig, Array.isArray(values) ? values : undefined);
    if (!callback) return result;
    result.then(
      (r) => callback(null, r),
      (e: Error) => callback(e),
    );
    return undefined;
  }

  async #run(text: string, config: string | pg.QueryConfig, values: unknown[] | undefined): Promise<pg.QueryResult> {
    if (CHAIN.test(text)) {
      this.#refusedControl ??= new TransactionNotCommittedError("transaction-control");
      throw this.#refusedControl;
    }
    const commit = COMMIT.test(text);
    if (commit && this.#refusedControl) {
      // Nothing of a transaction whose callback tried to chain it may be kept: roll it back in place of the COMMIT.
      await this.#send(NO_PIPELINE, "ROLLBACK", undefined);
      this.#endRejected();
      throw this.#refusedControl;
    }
    let pipeline = NO_PIPELINE;
    if (this.#pendingScope !== undefined && !TRANSACTION_PREAMBLE.test(text)) {
      pipeline = this.#prelude.inTransaction(this.#pendingScope);
      this.#pendingScope = undefined;
    }
    if (this.#commitPipeline && commit) {
      pipeline = joinPipelines(pipeline, this.#commitPipeline(this.#statementFailed));
    }
    const result = await this.#send(pipeline, config, values).catch((error: Error) => {
      if (!TRANSACTION_END.test(text)) throw error;
      // Prisma 6's transaction manager (@prisma/client 6.x, client engine) releases a transaction's connection only
      // once its COMMIT or ROLLBACK statement succeeded. When that statement fails (the server terminated the
      // connection, a deferred constraint failed the COMMIT, or this checkout refused it as stale) the connection
      // stayed checked out forever: the pool shrank for good, a full pool made every later request wait, and
      // $disconnect() never settled. So the checkout discards the connection itself.
      this.#discardAfterFailedEnd(error);
      // A session the server ended has no transaction left to roll back: the ROLLBACK did its work. Failing it
      // also left Prisma 6 with an unhandled rejection when the transaction's timeout fired (its timer awaits the
      // ROLLBACK and catches nothing), which ends a Node process.
      if (ROLLBACK.test(text) && isConnectionFailure(error) && !(error instanceof StaleStatementError)) {
        return ROLLED_BACK_WITH_SESSION;
      }
      throw error;
    });
    // Postgres answers the COMMIT of an aborted transaction with the command tag ROLLBACK, not an error.
    if (commit && result.command === "ROLLBACK") {
      this.#endRejected();
      throw new TransactionNotCommittedError("rolled-back", { cause: this.#firstFailure });
    }
    return result;
  }

  async #send(
    pipeline: QueryPipeline,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
  ): Promise<pg.QueryResult> {
    this.#running++;
    try {
      return await this.#client.queryInPipeline(pipeline, config, values, () => this.#refusal());
    } catch (error) {
      if (isConnectionFailure(error) && !(error instanceof StaleStatementError)) this.#broken ??= error as Error;
      if (!this.#statementFailed) this.#firstFailure = error;
      this.#statementFailed = true;
      throw asWriteWithoutTenant(error, this.#tenantSet);
    } finally {
      this.#running--;
    }
  }

  /**
   * Releases the checkout once its COMMIT rejects (refused, failed, answered with ROLLBACK, or the connection lost):
   * the transaction is over, whatever the caller does next. Prisma 7 then rolls back and releases (a no-op here);
   * Prisma 6 (6.19) releases only after a COMMIT that resolved, so without this the connection would never go back to
   * the pool and `$disconnect()` would wait for it forever. A connection not idle by then is discarded.
   */
  #endRejected(): void {
    if (!this.#released) {
      try {
        this.#releaseOnce();
      } catch {
        // TransactionLeftOpenError: the connection was discarded; the COMMIT's own error is what the caller gets.
      }
    }
    this.#endedByKit = true;
  }

  /** Why a statement of this checkout must not be sent now, if it must not. Runs when pg is about to send it. */
  #refusal(): Error | undefined {
    if (this.#released) return new StaleStatementError("released");
    if (this.#client.getTransactionStatus() !== "I") this.#inTransaction = true;
    else if (this.#inTransaction) return new StaleStatementError("transaction-ended");
    return undefined;
  }

  #discardAfterFailedEnd(error: Error): void {
    if (this.#released) return;
    this.#client.removeListener("error", this.#onError);
    this.#released = true;
    this.#endedByKit = true;
    this.#release(this.#broken ?? error);
  }

  #releaseOnce(error?: Error | boolean): void {
    if (this.#endedByKit) return;
    this.#client.removeListener("error", this.#onError);
    if (this.#released || error || this.#broken) {
      this.#released = true;
      this.#release(error || this.#broken);
      return;
    }
    this.#released = true;
    const status = this.#client.getTransactionStatus();
    if (this.#running === 0 && status === "I") {
      this.#release();
      return;
    }
    const leftOpen = new TransactionLeftOpenError(status ?? "unknown");
    // Destroys the connection: the server rolls back whatever it was in, and no later checkout can see it.
    this.#release(leftOpen);
    // A statement still running is the caller's own stray; it fails with the connection.
    if (this.#running === 0) throw leftOpen;
  }
}
