import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async (ctx) => {
    const note = await withTenant(ctx.tenantId, (tx) => tx.auditLog.create({ data: { tenantId: ctx.tenantId, actorId: ctx.session.userId, action: "note" } }));
    return NextResponse.json(note);
  });
}
