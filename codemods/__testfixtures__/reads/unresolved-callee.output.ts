import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { afterImportHooks } from "@/lib/plugins";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    for (const hook of afterImportHooks) await hook(db, tenantId);
    return NextResponse.json({ ok: true });
  });
}
