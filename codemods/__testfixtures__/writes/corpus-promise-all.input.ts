import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Write-shape corpus: writes started together in Promise.all must still commit together.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { orderId } = (await request.json()) as { orderId: string };
    const [order] = await Promise.all([
      db.order.update({ where: { id: orderId }, data: { status: "shipped" } }),
      db.auditLog.create({ data: { tenantId, action: "order.shipped", entityId: orderId } }),
    ]);
    return NextResponse.json(order);
  });
}
