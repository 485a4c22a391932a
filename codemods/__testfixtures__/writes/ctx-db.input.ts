import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  return withSalesSession(request, async (ctx) => {
    const note = await ctx.db.auditLog.create({ data: { tenantId: ctx.tenantId, actorId: ctx.session.userId, action: "note" } });
    return NextResponse.json(note);
  });
}
