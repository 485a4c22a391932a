import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  return withSalesSession(
    request,
    async ({ tenantId, db }) => {
      const touched = await db.$executeRaw`UPDATE "Order"
        SET "totalCents" = 0
        WHERE "tenantId" = ${tenantId} AND "status" = 'cancelled'`;
      return NextResponse.json({ touched });
    },
    { requiredRoles: ["admin"] },
  );
}
