import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

const tenantId = "not-the-request-tenant";

// The handler does not destructure tenantId and the name is taken: the kit adds it under a free name.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId: tenantId2 }) => {
    await withTenant(tenantId2, (tx) => tx.auditLog.create({ data: { tenantId, action: "ping" } }));
    return NextResponse.json({ ok: true });
  });
}
