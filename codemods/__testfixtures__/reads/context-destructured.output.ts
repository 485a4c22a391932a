import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2, type SalesSessionContext } from "@/lib/auth/sales";

// The context is a typed parameter, taken apart in the body; other keys are still read through it.
export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async (context) => {
    const { tenantId, db, roles } = context;
    const customers = await db.customer.findMany({ where: { tenantId }, take: 20 });
    return NextResponse.json({ customers, roles, viewer: context.session.userId });
  });
}
