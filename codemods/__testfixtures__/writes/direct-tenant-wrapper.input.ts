import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequest } from "@/lib/tenant";

export async function POST(request: NextRequest) {
  const body = (await request.json()) as { email: string; name: string };
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => {
    const user = await db.user.create({ data: { tenantId, email: body.email, name: body.name } });
    await db.auditLog.create({ data: { tenantId, action: "user.signed_up", entityId: user.id } });
    return NextResponse.json({ id: user.id }, { status: 201 });
  });
  return result;
}
