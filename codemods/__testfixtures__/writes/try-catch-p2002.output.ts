import { NextRequest, NextResponse } from "next/server";
import { Prisma } from "@/generated/prisma/client";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const body = (await request.json()) as { name: string; email: string };
    try {
      const customer = await withTenant(tenantId, (tx) => tx.customer.create({ data: { ...body, tenantId } }));
      return NextResponse.json(customer, { status: 201 });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        return NextResponse.json({ error: "Duplicate email." }, { status: 409 });
      }
      throw error;
    }
  });
}
