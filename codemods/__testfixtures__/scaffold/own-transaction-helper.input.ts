// @tenant-kit-fixture path=src/lib/db/run-with-transaction.ts
import type { Prisma, PrismaClient } from "@/generated/prisma/client";

/** Runs `callback` in a transaction of its own, unless `db` is one already (then on it). */
export async function runWithTransaction<T>(
  db: PrismaClient | Prisma.TransactionClient,
  callback: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  if ("$transaction" in db) {
    return (db as PrismaClient).$transaction(callback);
  }
  return callback(db as Prisma.TransactionClient);
}

/** Writes straight through the client it is handed: a V2 caller must hand it a transaction. */
export async function touchOrder(db: PrismaClient | Prisma.TransactionClient, orderId: string): Promise<void> {
  await db.order.update({ where: { id: orderId }, data: { updatedAt: new Date() } });
}
