import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

const tenantId = "not-the-request-tenant";

// The handler does not destructure tenantId and the name is taken: the kit adds it under a free name.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => {
    await db.auditLog.create({ data: { tenantId, action: "ping" } });
    return NextResponse.json({ ok: true });
  });
}
