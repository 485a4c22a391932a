import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";

export const GET = (request: NextRequest) =>
  withSalesSessionV2(request, async ({ db }) => NextResponse.json({ tenants: await db.tenant.count() }), { requireSalesRep: false });
