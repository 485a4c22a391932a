import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequest } from "@/lib/tenant";

export async function GET(request: NextRequest) {
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => {
    const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { slug: true } });
    return NextResponse.json(tenant);
  });
  return result;
}
