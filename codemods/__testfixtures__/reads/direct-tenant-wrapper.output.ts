import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequestV2 } from "@/lib/tenant";

export async function GET(request: NextRequest) {
  const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => {
    const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { slug: true } });
    return NextResponse.json(tenant);
  });
  return result;
}
