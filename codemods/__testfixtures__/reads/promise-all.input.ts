import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const [customers, orders] = await Promise.all([
      db.customer.count({ where: { tenantId } }),
      db.order.findMany({ where: { tenantId }, take: 5 }),
    ]);
    return NextResponse.json({ customers, orders });
  });
}
