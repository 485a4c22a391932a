import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

export const DELETE = (request: NextRequest) =>
  withSalesSessionV2(request, async ({ tenantId }) => withTenant(tenantId, async (tx) => NextResponse.json(await tx.auditLog.deleteMany({ where: { tenantId } }))));
