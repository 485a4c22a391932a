import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { afterImportHooks } from "@/lib/plugins";

export async function GET(request: NextRequest) {
  // tenant-kit: unresolved-callee - check what the callee does with db, then migrate by hand
  return withSalesSession(request, async ({ tenantId, db }) => {
    for (const hook of afterImportHooks) await hook(db, tenantId);
    return NextResponse.json({ ok: true });
  });
}
