import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequest } from "@/lib/tenant";

export async function GET(request: NextRequest) {
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => NextResponse.json(await db.tenant.findUnique({ where: { id: tenantId } })));
  return result;
}
