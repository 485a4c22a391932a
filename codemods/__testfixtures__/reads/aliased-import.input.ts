import { NextRequest, NextResponse } from "next/server";
import { withSalesSession as withSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSession(request, async ({ tenantId, db }) => {
    const totals = await db.order.aggregate({ where: { tenantId }, _sum: { totalCents: true } });
    return NextResponse.json(totals);
  });
}
