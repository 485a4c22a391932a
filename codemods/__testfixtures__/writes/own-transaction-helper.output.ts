import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { runWithTransaction } from "@/lib/repos/transaction-runner";

// The app's own helper opens a transaction only when db can (`"$transaction" in db`): on V1 it ran the callback in
// V1's transaction, on V2 it opens a tenant-scoped one. The handler keeps it; no second span.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const { from, to, quantity } = (await request.json()) as { from: string; to: string; quantity: number };
    const moved = await runWithTransaction(db, async (tx) => {
      await tx.inventory.update({ where: { tenantId_skuId: { tenantId, skuId: from } }, data: { quantity: { decrement: quantity } } });
      return tx.inventory.update({ where: { tenantId_skuId: { tenantId, skuId: to } }, data: { quantity: { increment: quantity } } });
    });
    return NextResponse.json(moved);
  });
}
