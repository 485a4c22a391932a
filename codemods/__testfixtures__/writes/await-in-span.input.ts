import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { quoteShipping } from "@/lib/shipping";

// The quote needs the order the span reads first, so it cannot move: it stays in the span and is flagged.
export async function POST(request: NextRequest) {
    return withSalesSession(request, async ({ tenantId, db }) => {
        const id = request.nextUrl.searchParams.get("id") ?? "";
        const order = await db.order.findFirst({ where: { id, tenantId } });
        if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
        const quote = await quoteShipping(order.shippingAddress);
        const shipped = await db.order.update({ where: { id: order.id }, data: { status: "shipped", shippingCents: quote.cents } });
        return NextResponse.json(shipped);
    });
}
