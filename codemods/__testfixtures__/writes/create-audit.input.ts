import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Creates a customer plus its audit log entry.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db, session }) => {
    const body = (await request.json()) as { name: string; email: string };

    // Both writes must commit together.
    const customer = await db.customer.create({
      data: { name: body.name, email: body.email, tenantId },
    });
    await db.auditLog.create({
      data: { tenantId, actorId: session.userId, action: "customer.created", entityId: customer.id },
    });

    return NextResponse.json(customer, { status: 201 }); // created
  });
}
