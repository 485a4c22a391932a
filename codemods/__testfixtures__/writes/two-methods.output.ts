import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

async function setStatus(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const { id, status } = (await request.json()) as { id: string; status: string };
    const { count } = await withTenant(tenantId, (tx) => tx.order.updateMany({ where: { id, tenantId }, data: { status } }));
    return NextResponse.json({ updated: count });
  });
}

export { setStatus as PUT, setStatus as PATCH };
