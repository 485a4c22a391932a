import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export const DELETE = (request: NextRequest) =>
  withSalesSession(request, async ({ tenantId, db }) => NextResponse.json(await db.auditLog.deleteMany({ where: { tenantId } })));
