import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// A GET that writes: classification follows what the code does, not the method.
export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ session, tenantId }) => {
    const expiresAt = new Date(Date.now() + 8 * 3600 * 1000);
    await withTenant(tenantId, (tx) => tx.salesSession.update({ where: { id: session.id }, data: { expiresAt } }));
    return NextResponse.json({ expiresAt });
  });
}
