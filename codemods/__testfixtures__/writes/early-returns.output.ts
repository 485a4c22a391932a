import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const { id } = (await request.json()) as { id: string };
    if (!id) return NextResponse.json({ error: "id required" }, { status: 400 });

    return withTenant(tenantId, async (tx) => {
      const order = await tx.order.findFirst({ where: { id, tenantId } });
      if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
      if (order.status === "cancelled") {
        return NextResponse.json({ error: "Already cancelled." }, { status: 409 });
      }

      const cancelled = await tx.order.update({ where: { id: order.id }, data: { status: "cancelled" } });

      if (cancelled.totalCents === 0) return new NextResponse(null, { status: 204 });
      return NextResponse.json(cancelled);
    });
  });
}
