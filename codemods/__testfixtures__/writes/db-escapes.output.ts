import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { startExport } from "@/lib/plugins";

export async function POST(request: NextRequest) {
  // tenant-kit: db-escapes - pass db as a plain argument, or migrate by hand
  return withSalesSession(request, async ({ tenantId, db }) => {
    await db.auditLog.create({ data: { tenantId, action: "export.started" } });
    const job = startExport({ db, tenantId });
    return NextResponse.json(job, { status: 202 });
  });
}
