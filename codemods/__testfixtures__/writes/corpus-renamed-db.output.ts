import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// Write-shape corpus: db and the tenant id under other names; the span follows the names.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId: org }) => {
    const body = (await request.json()) as { customerId: string };
    return withTenant(org, async (tx) => {
      const order = await tx.order.create({ data: { tenantId: org, customerId: body.customerId, status: "draft" } });
      await tx.auditLog.create({ data: { tenantId: org, action: "order.created", entityId: order.id } });
      return NextResponse.json(order, { status: 201 });
    });
  });
}
