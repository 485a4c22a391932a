import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequestV2 } from "@/lib/tenant";

export async function GET(request: NextRequest) {
  const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => NextResponse.json(await db.tenant.findUnique({ where: { id: tenantId } })));
  return result;
}
