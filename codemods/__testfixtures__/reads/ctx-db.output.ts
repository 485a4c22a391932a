import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async (ctx) => {
    const user = await ctx.db.user.findUnique({ where: { id: ctx.session.userId } });
    return NextResponse.json({ user, roles: ctx.roles });
  });
}
