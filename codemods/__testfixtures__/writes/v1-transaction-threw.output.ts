import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

// On V1, db is Prisma's interactive-transaction client, which has no $transaction: this threw a TypeError and never
// wrote. On V2 it starts writing; the phase migrates it and says so in its notes.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const [order] = await db.$transaction([
      db.order.updateMany({ where: { tenantId, status: "draft" }, data: { status: "open" } }),
      db.auditLog.create({ data: { tenantId, action: "orders.opened" } }),
    ]);
    return NextResponse.json(order);
  });
}
