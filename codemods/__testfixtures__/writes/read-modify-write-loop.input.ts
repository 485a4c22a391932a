import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

type Item = { skuId: string; quantity: number };

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { items } = (await request.json()) as { items: Item[] };
    const recent = await db.order.count({ where: { tenantId } }); // a read that feeds no write

    for (const item of items) {
      const stock = await db.inventory.findUnique({ where: { tenantId_skuId: { tenantId, skuId: item.skuId } } });
      if (!stock || stock.quantity < item.quantity) {
        return NextResponse.json({ error: `Not enough ${item.skuId}` }, { status: 409 });
      }
      await db.inventory.update({ where: { id: stock.id }, data: { quantity: { decrement: item.quantity } } });
    }

    return NextResponse.json({ ok: true, recent });
  });
}
