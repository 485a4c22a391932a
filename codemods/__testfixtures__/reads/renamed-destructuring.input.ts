import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db: client, tenantId: tid }) => {
    const invoices = await client.invoice.findMany({ where: { tenantId: tid } });
    return NextResponse.json(invoices);
  });
}
