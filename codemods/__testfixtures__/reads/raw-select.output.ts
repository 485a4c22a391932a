import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const rows = await db.$queryRaw<Array<{ total: bigint }>>`
      SELECT sum("totalCents") AS total FROM "Order" WHERE "tenantId" = ${tenantId}`;
    return NextResponse.json({ total: Number(rows[0]?.total ?? 0) });
  });
}
