import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { id } = (await request.json()) as { id: string };
    if (!id) return NextResponse.json({ error: "id required" }, { status: 400 });

    const order = await db.order.findFirst({ where: { id, tenantId } });
    if (!order) return NextResponse.json({ error: "Order not found." }, { status: 404 });
    if (order.status === "cancelled") {
      return NextResponse.json({ error: "Already cancelled." }, { status: 409 });
    }

    const cancelled = await db.order.update({ where: { id: order.id }, data: { status: "cancelled" } });

    if (cancelled.totalCents === 0) return new NextResponse(null, { status: 204 });
    return NextResponse.json(cancelled);
  });
}
