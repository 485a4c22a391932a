import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { loadPriceList } from "@/lib/repos/pricing-repo";

// db reaches the helper inside an options object; the helper reads `scope.db`.
export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const skuIds = request.nextUrl.searchParams.getAll("sku");
    const prices = await loadPriceList(skuIds, { db, tenantId });
    return NextResponse.json(prices);
  });
}
