import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { listEntityNotes } from "@/lib/repos/notes-repo";

// The helper documents its db parameter with JSDoc tags: documentation, not a use.
export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const entityId = request.nextUrl.searchParams.get("entity") ?? "";
    return NextResponse.json(await listEntityNotes(db, tenantId, entityId));
  });
}
