import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { applyPriceChanges, type PriceChange } from "@/lib/repos/pricing-repo";

// db reaches a writing helper inside an options object: in the span it becomes `db: tx`.
export async function PUT(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const changes = (await request.json()) as PriceChange[];
    const updated = await applyPriceChanges(changes, { db, tenantId });
    return NextResponse.json({ updated });
  });
}
