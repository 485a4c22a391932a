import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2, type SalesSessionContext } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// The typed context is taken apart in the first statement; the span takes every use of db, so db leaves the pattern.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async (context) => {
    const { tenantId, roles } = context;
    const { customerId } = (await request.json()) as { customerId: string };
    return withTenant(tenantId, async (tx) => {
      const customer = await tx.customer.findFirst({ where: { id: customerId, tenantId } });
      if (!customer) return NextResponse.json({ error: "Customer not found." }, { status: 404 });
      const order = await tx.order.create({ data: { tenantId, customerId: customer.id, createdById: context.session.userId } });
      return NextResponse.json({ order, roles }, { status: 201 });
    });
  });
}
