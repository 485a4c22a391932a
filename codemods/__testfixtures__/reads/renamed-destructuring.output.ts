import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ db: client, tenantId: tid }) => {
    const invoices = await client.invoice.findMany({ where: { tenantId: tid } });
    return NextResponse.json(invoices);
  });
}
