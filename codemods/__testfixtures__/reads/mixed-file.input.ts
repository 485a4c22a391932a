import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => NextResponse.json(await db.customer.findMany({ where: { tenantId } })));
}

// A write: left for the writes phase, so the V1 import stays.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const customer = await db.customer.create({ data: { tenantId, name: "x", email: "x@example.com" } });
    return NextResponse.json(customer);
  });
}
