import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

async function setStatus(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { id, status } = (await request.json()) as { id: string; status: string };
    const { count } = await db.order.updateMany({ where: { id, tenantId }, data: { status } });
    return NextResponse.json({ updated: count });
  });
}

export { setStatus as PUT, setStatus as PATCH };
