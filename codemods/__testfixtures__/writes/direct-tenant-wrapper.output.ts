import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequestV2, withTenant } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  const body = (await request.json()) as { email: string; name: string };
  const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => {
    return withTenant(tenantId, async (tx) => {
      const user = await tx.user.create({ data: { tenantId, email: body.email, name: body.name } });
      await tx.auditLog.create({ data: { tenantId, action: "user.signed_up", entityId: user.id } });
      return NextResponse.json({ id: user.id }, { status: 201 });
    });
  });
  return result;
}
