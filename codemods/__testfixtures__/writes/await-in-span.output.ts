import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { notifyWarehouse, quoteShipping } from "@/lib/shipping";
import { withTenant } from "@/lib/tenant";

// The quote needs the order the span reads first, and the bare notification may be ordered on purpose after the
// first write: both stay in the span and are flagged.
export async function POST(request: NextRequest) {
    // tenant-kit: await-in-span - move the awaited work out of the transaction if it can run before or after it
    return withSalesSessionV2(request, async ({ tenantId }) => {
        const id = request.nextUrl.searchParams.get("id") ?? "";
        return withTenant(tenantId, async (tx) => {
            const order = await tx.order.findFirst({ where: { id, tenantId } });
            if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
            await tx.auditLog.create({ data: { tenantId, action: "order.shipping", entityId: order.id } });
            await notifyWarehouse(order.id);
            const quote = await quoteShipping(order.shippingAddress);
            const shipped = await tx.order.update({ where: { id: order.id }, data: { status: "shipped", shippingCents: quote.cents } });
            return NextResponse.json(shipped);
        });
    });
}
