import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const totals = await db.order.aggregate({ where: { tenantId }, _sum: { totalCents: true } });
    return NextResponse.json(totals);
  });
}
