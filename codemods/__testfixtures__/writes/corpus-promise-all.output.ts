import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// Write-shape corpus: writes started together in Promise.all must still commit together.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const { orderId } = (await request.json()) as { orderId: string };
    const [order] = await withTenant(tenantId, (tx) => Promise.all([
      tx.order.update({ where: { id: orderId }, data: { status: "shipped" } }),
      tx.auditLog.create({ data: { tenantId, action: "order.shipped", entityId: orderId } }),
    ]));
    return NextResponse.json(order);
  });
}
