import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { notifyWarehouse, quoteShipping } from "@/lib/shipping";

// The quote needs the order the span reads first, and the bare notification may be ordered on purpose after the
// first write: both stay in the span and are flagged.
export async function POST(request: NextRequest) {
    return withSalesSession(request, async ({ tenantId, db }) => {
        const id = request.nextUrl.searchParams.get("id") ?? "";
        const order = await db.order.findFirst({ where: { id, tenantId } });
        if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
        await db.auditLog.create({ data: { tenantId, action: "order.shipping", entityId: order.id } });
        await notifyWarehouse(order.id);
        const quote = await quoteShipping(order.shippingAddress);
        const shipped = await db.order.update({ where: { id: order.id }, data: { status: "shipped", shippingCents: quote.cents } });
        return NextResponse.json(shipped);
    });
}
