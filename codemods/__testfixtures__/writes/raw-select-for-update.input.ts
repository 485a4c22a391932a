import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// SELECT ... FOR UPDATE only means something inside a transaction: the kit counts it as a write.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const rows = await db.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Inventory" WHERE "tenantId" = ${tenantId} FOR UPDATE`;
    return NextResponse.json(rows);
  });
}
