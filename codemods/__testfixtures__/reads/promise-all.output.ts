import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const [customers, orders] = await Promise.all([
      db.customer.count({ where: { tenantId } }),
      db.order.findMany({ where: { tenantId }, take: 5 }),
    ]);
    return NextResponse.json({ customers, orders });
  });
}
