import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// Creates a customer plus its audit log entry.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, session }) => {
    const body = (await request.json()) as { name: string; email: string };

    // Both writes must commit together.
    return withTenant(tenantId, async (tx) => {
      const customer = await tx.customer.create({
        data: { name: body.name, email: body.email, tenantId },
      });
      await tx.auditLog.create({
        data: { tenantId, actorId: session.userId, action: "customer.created", entityId: customer.id },
      });

      return NextResponse.json(customer, { status: 201 }); // created
    });
  });
}
