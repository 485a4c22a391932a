import { NextRequest, NextResponse } from "next/server";
import { withSalesSession, type SalesSessionContext } from "@/lib/auth/sales";

// The typed context is taken apart in the first statement; the span takes every use of db, so db leaves the pattern.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async (context: SalesSessionContext) => {
    const { tenantId, db, roles } = context;
    const { customerId } = (await request.json()) as { customerId: string };
    const customer = await db.customer.findFirst({ where: { id: customerId, tenantId } });
    if (!customer) return NextResponse.json({ error: "Customer not found." }, { status: 404 });
    const order = await db.order.create({ data: { tenantId, customerId: customer.id, createdById: context.session.userId } });
    return NextResponse.json({ order, roles }, { status: 201 });
  });
}
