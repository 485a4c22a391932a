import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  // tenant-kit: mixed-own-transaction - move the outside writes into the $transaction callback
  return withSalesSession(request, async ({ tenantId, db }) => {
    await db.$transaction(async (tx) => {
      await tx.order.updateMany({ where: { tenantId, status: "open" }, data: { status: "frozen" } });
    });
    await db.auditLog.create({ data: { tenantId, action: "orders.frozen" } });
    return NextResponse.json({ ok: true });
  });
}
