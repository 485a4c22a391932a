import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when a connection would go back to the pool inside a transaction block: after a per-query call (e.g.
 * `$forTenant(a).$executeRawUnsafe("BEGIN")`) or at the end of a transaction checkout, the server's ReadyForQuery
 * reported the status `T` (in a transaction) or `E` (in a failed transaction) instead of `I` (idle). The connection was
 * discarded, so the server rolled that transaction back and no later caller's statement can land in it. In the
 * transaction-block context mode the kit's own COMMIT closes the block a per-query raw BEGIN opened (it did nothing);
 * it is refused the same way, with status `T`, so code that expects an open transaction learns it has none.
 *
 * @example
 * ```ts
 * await prisma.$forTenant(a).$executeRawUnsafe("BEGIN"); // rejects with code "TRANSACTION_LEFT_OPEN"
 * await prisma.$withTenant(a, async (tx) => { ... });    // the way to run several statements in one transaction
 * ```
 */
export class TransactionLeftOpenError extends TenantKitError {
  override readonly name = "TransactionLeftOpenError";
  readonly code = "TRANSACTION_LEFT_OPEN";

  constructor(
    /** The transaction status the server last reported: `T` in a transaction block, `E` in a failed one. */
    readonly transactionStatus: string,
    options?: { cause?: unknown },
  ) {
    super(
      `A statement left its pooled connection inside ${
        transactionStatus === "E" ? "a failed" : "an open"
      } transaction (ReadyForQuery status ${JSON.stringify(transactionStatus)}), e.g. a raw BEGIN / START ` +
        `TRANSACTION sent outside $withTenant. The connection was discarded and that transaction rolled back, so ` +
        `nothing of it was committed. Run multi-statement work in prisma.$withTenant(tenantId, fn) instead of raw ` +
        `transaction control.`,
      options,
    );
  }
}
