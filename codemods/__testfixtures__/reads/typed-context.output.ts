import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2, type SalesSessionContext } from "@/lib/auth/sales";

// A destructured context with its type, and a function expression with a return type.
export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async function listOrders({ tenantId, db }): Promise<Response> {
    const orders = await db.order.findMany({ where: { tenantId }, take: 10 });
    return NextResponse.json(orders);
  });
}
