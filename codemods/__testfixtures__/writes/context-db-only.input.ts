import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Only db is taken from the context: once the span holds its uses, the destructuring goes.
export async function DELETE(request: NextRequest) {
  return withSalesSession(request, async (ctx) => {
    const { db } = ctx;
    const id = request.nextUrl.searchParams.get("id") ?? "";
    await db.auditLog.deleteMany({ where: { tenantId: ctx.tenantId, entityId: id } });
    return new NextResponse(null, { status: 204 });
  });
}
