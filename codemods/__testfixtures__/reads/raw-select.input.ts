import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const rows = await db.$queryRaw<Array<{ total: bigint }>>`
      SELECT sum("totalCents") AS total FROM "Order" WHERE "tenantId" = ${tenantId}`;
    return NextResponse.json({ total: Number(rows[0]?.total ?? 0) });
  });
}
