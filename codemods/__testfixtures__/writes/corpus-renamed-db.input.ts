import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Write-shape corpus: db and the tenant id under other names; the span follows the names.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ db: client, tenantId: org }) => {
    const body = (await request.json()) as { customerId: string };
    const order = await client.order.create({ data: { tenantId: org, customerId: body.customerId, status: "draft" } });
    await client.auditLog.create({ data: { tenantId: org, action: "order.created", entityId: order.id } });
    return NextResponse.json(order, { status: 201 });
  });
}
