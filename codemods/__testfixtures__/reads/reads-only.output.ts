import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

/** Lists customers. */
export async function GET(request: NextRequest) {
  // reads only: no transaction needed
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const customers = await db.customer.findMany({
      where: { tenantId },   // odd spacing survives
      orderBy: { name: "asc" },
    });
    return NextResponse.json(customers);
  });
}
