import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// A GET that writes: classification follows what the code does, not the method.
export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db, session }) => {
    const expiresAt = new Date(Date.now() + 8 * 3600 * 1000);
    await db.salesSession.update({ where: { id: session.id }, data: { expiresAt } });
    return NextResponse.json({ expiresAt });
  });
}
