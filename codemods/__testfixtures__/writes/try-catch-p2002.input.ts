import { NextRequest, NextResponse } from "next/server";
import { Prisma } from "@/generated/prisma/client";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const body = (await request.json()) as { name: string; email: string };
    try {
      const customer = await db.customer.create({ data: { ...body, tenantId } });
      return NextResponse.json(customer, { status: 201 });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        return NextResponse.json({ error: "Duplicate email." }, { status: 409 });
      }
      throw error;
    }
  });
}
