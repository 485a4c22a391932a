import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ db }) => NextResponse.json(await db.customer.findMany()));
}

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const note = await withTenant(tenantId, (tx) => tx.auditLog.create({ data: { tenantId, action: "note" } }));
    return NextResponse.json(note);
  });
}
