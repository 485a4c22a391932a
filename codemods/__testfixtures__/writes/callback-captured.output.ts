import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  // tenant-kit: db-captured-by-callback - await the work in the handler, or give the callback its own withTenant
  return withSalesSession(request, async ({ tenantId, db }) => {
    setTimeout(() => {
      void db.auditLog.create({ data: { tenantId, action: "later" } });
    }, 1000);
    return NextResponse.json({ scheduled: true });
  });
}
