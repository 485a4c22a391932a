import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown for a statement sent through a connection checkout that is already over: the checkout was released to the
 * pool, or the transaction it was checked out for has ended (COMMIT / ROLLBACK). The statement was not sent, so it
 * cannot run inside the next caller's transaction or under the next caller's tenant.
 *
 * The usual cause is a Prisma interactive transaction (`$withTenant`, `$transaction(fn)`) that closed (its `timeout`
 * fired, or `fn` threw) while an operation of it, e.g. a nested write that Prisma runs as several statements, was still
 * running: Prisma rolls back and releases the connection, but keeps sending that operation's remaining statements.
 *
 * @example
 * ```ts
 * await prisma.$withTenant(a, async (tx) => {
 *   void tx.customer.update({ where, data: { orders: { upsert } } }); // not awaited: still running when fn throws
 *   throw new Error("boom");
 * }); // the update's later statements reject with code "STALE_STATEMENT"; nothing of them reaches the database
 * ```
 */
export class StaleStatementError extends TenantKitError {
  override readonly name = "StaleStatementError";
  readonly code = "STALE_STATEMENT";

  constructor(
    /**
     * `released`: the checkout went back to the pool; `transaction-ended`: its transaction committed or rolled
     * back.
     */
    readonly reason: "released" | "transaction-ended",
  ) {
    super(
      `A statement was sent on a database connection ${
        reason === "released" ? "after it was released to the pool" : "after its transaction had ended"
      }, typically the rest of an operation of a $withTenant / $transaction that had already timed out or thrown. ` +
        `It was not sent, so it cannot run for another request or tenant. Await every query inside the transaction ` +
        `callback, and raise the transaction's timeout if it fires while work is still running.`,
    );
  }
}
