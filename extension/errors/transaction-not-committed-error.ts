import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Why a transaction did not commit:
 * - `rolled-back`: a statement of it failed (its error may have been caught by the callback), so Postgres answered the
 *   COMMIT with ROLLBACK: every write of the transaction is gone.
 * - `transaction-control`: the callback sent `COMMIT AND CHAIN` / `ROLLBACK AND CHAIN` (or `END` / `ABORT AND CHAIN`),
 *   which would end the transaction behind Prisma's back and start another without the tenant; the kit refused it
 *   unsent and rolled the whole transaction back.
 */
export type TransactionNotCommittedReason = "rolled-back" | "transaction-control";

/**
 * Thrown by `$withTenant` (and `$forTenant(id).$transaction(fn)`) whenever its transaction did not commit although the
 * callback returned, so a caller never takes rolled-back writes for committed ones. Nothing of the transaction is in
 * the database; retry the whole callback once its cause is fixed, or handle the failed statement inside a savepoint
 * (a nested `$transaction`), which keeps the rest of the transaction.
 *
 * @example
 * ```ts
 * await prisma.$withTenant(tenantId, async (tx) => {
 *   await tx.order.create({ data });
 *   await tx.customer.create({ data: duplicate }).catch(() => undefined); // unique violation, caught
 * }); // rejects: code "TRANSACTION_NOT_COMMITTED", reason "rolled-back"; the order was not created
 * ```
 */
export class TransactionNotCommittedError extends TenantKitError {
  override readonly name = "TransactionNotCommittedError";
  readonly code = "TRANSACTION_NOT_COMMITTED";

  constructor(
    readonly reason: TransactionNotCommittedReason,
    options?: { cause?: unknown },
  ) {
    super(
      reason === "rolled-back"
        ? "The transaction was rolled back, not committed: a statement of it failed (the callback may have caught " +
            "that error and returned), so Postgres answered its COMMIT with ROLLBACK and none of its writes were " +
            "kept. Let the error propagate, or run the statement that may fail in a savepoint, then retry."
        : "The transaction was rolled back: the callback sent COMMIT / ROLLBACK AND CHAIN, which the kit refuses " +
            "inside $withTenant (it would end the transaction behind Prisma and run the rest without the tenant). " +
            "Run separate transactions as separate $withTenant calls.",
      options,
    );
  }
}
