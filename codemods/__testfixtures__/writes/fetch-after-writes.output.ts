import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const { orderId } = (await request.json()) as { orderId: string };
    const txResult = await withTenant(tenantId, async (tx) => {
      const order = await tx.order.findFirst({ where: { id: orderId, tenantId } });
      if (!order) return { returned: true as const, value: NextResponse.json({ error: "Order not found." }, { status: 404 }) };

      const invoice = await tx.invoice.create({ data: { tenantId, orderId: order.id, totalCents: order.totalCents } });
      await tx.auditLog.create({ data: { tenantId, action: "invoice.issued", entityId: invoice.id } });
      return { returned: false as const, invoice };
    });
    if (txResult.returned) return txResult.value;
    const { invoice } = txResult;

    // The webhook runs after the transaction: a slow receiver must not hold a connection.
    const hook = await fetch("http://localhost:9/hook", { method: "POST", body: JSON.stringify({ id: invoice.id }) });
    await new Promise((resolve) => setTimeout(resolve, 10));
    return NextResponse.json({ invoice, notified: hook.ok }, { status: 201 });
  });
}
