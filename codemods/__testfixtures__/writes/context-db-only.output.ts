import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// Only db is taken from the context: once the span holds its uses, the destructuring goes.
export async function DELETE(request: NextRequest) {
  return withSalesSessionV2(request, async (ctx) => {
    const id = request.nextUrl.searchParams.get("id") ?? "";
    await withTenant(ctx.tenantId, (tx) => tx.auditLog.deleteMany({ where: { tenantId: ctx.tenantId, entityId: id } }));
    return new NextResponse(null, { status: 204 });
  });
}
