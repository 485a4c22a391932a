import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

type Item = { skuId: string; quantity: number };

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const { items } = (await request.json()) as { items: Item[] };
    const recent = await db.order.count({ where: { tenantId } }); // a read that feeds no write

    return withTenant(tenantId, async (tx) => {
      for (const item of items) {
        const stock = await tx.inventory.findUnique({ where: { tenantId_skuId: { tenantId, skuId: item.skuId } } });
        if (!stock || stock.quantity < item.quantity) {
          return NextResponse.json({ error: `Not enough ${item.skuId}` }, { status: 409 });
        }
        await tx.inventory.update({ where: { id: stock.id }, data: { quantity: { decrement: item.quantity } } });
      }

      return NextResponse.json({ ok: true, recent });
    });
  });
}
