import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// SELECT ... FOR UPDATE only means something inside a transaction: the kit counts it as a write.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const rows = await withTenant(tenantId, (tx) => tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Inventory" WHERE "tenantId" = ${tenantId} FOR UPDATE`);
    return NextResponse.json(rows);
  });
}
