import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const { id } = (await request.json()) as { id: string };
    if (!id) return NextResponse.json({ error: "id required" }, { status: 400 });

    const txResult = await withTenant(tenantId, async (tx) => {
      const order = await tx.order.findFirst({ where: { id, tenantId } });
      if (!order) return { returned: true as const, value: NextResponse.json({ error: "Order not found." }, { status: 404 }) };
      if (order.status === "cancelled") {
        return { returned: true as const, value: NextResponse.json({ error: "Already cancelled." }, { status: 409 }) };
      }

      const cancelled = await tx.order.update({ where: { id: order.id }, data: { status: "cancelled" } });
      return { returned: false as const, cancelled };
    });
    if (txResult.returned) return txResult.value;
    const { cancelled } = txResult;

    if (cancelled.totalCents === 0) return new NextResponse(null, { status: 204 });
    return NextResponse.json(cancelled);
  });
}
