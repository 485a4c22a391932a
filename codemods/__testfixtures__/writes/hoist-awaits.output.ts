import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { quoteShipping } from "@/lib/shipping";
import { withTenant } from "@/lib/tenant";

/**
 * Ships an order. The body and the shipping quote need nothing the transaction reads, so they move above it: the
 * transaction no longer waits on the client upload or the carrier's API.
 */
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const id = request.nextUrl.searchParams.get("id") ?? "";
    // The address comes from the client.
    const body = (await request.json()) as { address: string };
    const quote = await quoteShipping(body.address);
    return withTenant(tenantId, async (tx) => {
      const order = await tx.order.findFirst({ where: { id, tenantId } });
      if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
      const shipped = await tx.order.update({ where: { id: order.id }, data: { status: "shipped", shippingCents: quote.cents } });
      return NextResponse.json(shipped);
    });
  });
}
