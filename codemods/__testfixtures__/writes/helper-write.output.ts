import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { addOrderItem, recordAudit, type NewOrderItem } from "@/lib/repos/orders-repo";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, session }) => {
    const item = (await request.json()) as NewOrderItem & { orderId: string };
    return withTenant(tenantId, async (tx) => {
      const line = await addOrderItem(tx, tenantId, item.orderId, item);
      await recordAudit(tx, tenantId, "order.item_added", line.id, session.userId);
      return NextResponse.json(line, { status: 201 });
    });
  });
}
