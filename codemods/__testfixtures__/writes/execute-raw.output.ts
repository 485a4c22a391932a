import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(
    request,
    async ({ tenantId }) => {
      const touched = await withTenant(tenantId, (tx) => tx.$executeRaw`UPDATE "Order"
        SET "totalCents" = 0
        WHERE "tenantId" = ${tenantId} AND "status" = 'cancelled'`);
      return NextResponse.json({ touched });
    },
    { requiredRoles: ["admin"] },
  );
}
