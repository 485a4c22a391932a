import type { TenantDb } from "@/lib/tenant";

type TransactionCapable = TenantDb & { $transaction<T>(fn: (tx: TenantDb) => Promise<T>): Promise<T> };

/**
 * Runs `fn` in a transaction of its own when `db` can open one; inside a transaction already (an interactive
 * transaction client has no `$transaction`), runs it on `db` as is.
 *
 * @param db the tenant's client, or the transaction client the caller is in
 * @param fn the work, given the client to use
 */
export async function runWithTransaction<T>(db: TenantDb, fn: (tx: TenantDb) => Promise<T>): Promise<T> {
  if ("$transaction" in db) return (db as TransactionCapable).$transaction(fn);
  return fn(db);
}
