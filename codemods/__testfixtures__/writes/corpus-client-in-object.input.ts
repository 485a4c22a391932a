import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Write-shape corpus: db kept in an object; where it goes cannot be followed, so the handler stays on V1, marked.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const repo = { db, tenantId };
    await repo.db.order.deleteMany({ where: { tenantId: repo.tenantId, status: "draft" } });
    return new NextResponse(null, { status: 204 });
  });
}
