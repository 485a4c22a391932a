import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { addOrderItem, recordAudit, type NewOrderItem } from "@/lib/repos/orders-repo";

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db, session }) => {
    const item = (await request.json()) as NewOrderItem & { orderId: string };
    const line = await addOrderItem(db, tenantId, item.orderId, item);
    await recordAudit(db, tenantId, "order.item_added", line.id, session.userId);
    return NextResponse.json(line, { status: 201 });
  });
}
