import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async (ctx) => {
    const user = await ctx.db.user.findUnique({ where: { id: ctx.session.userId } });
    return NextResponse.json({ user, roles: ctx.roles });
  });
}
