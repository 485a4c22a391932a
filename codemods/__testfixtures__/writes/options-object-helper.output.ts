import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { applyPriceChanges, type PriceChange } from "@/lib/repos/pricing-repo";
import { withTenant } from "@/lib/tenant";

// db reaches a writing helper inside an options object: in the span it becomes `db: tx`.
export async function PUT(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const changes = (await request.json()) as PriceChange[];
    const updated = await withTenant(tenantId, (tx) => applyPriceChanges(changes, { db: tx, tenantId }));
    return NextResponse.json({ updated });
  });
}
