import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// The handler already opens its own transaction on db: it keeps it (tenant-scoped in V2), no second span.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { from, to, quantity } = (await request.json()) as { from: string; to: string; quantity: number };
    const moved = await db.$transaction(async (tx) => {
      await tx.inventory.update({ where: { tenantId_skuId: { tenantId, skuId: from } }, data: { quantity: { decrement: quantity } } });
      return tx.inventory.update({ where: { tenantId_skuId: { tenantId, skuId: to } }, data: { quantity: { increment: quantity } } });
    });
    return NextResponse.json(moved);
  });
}
