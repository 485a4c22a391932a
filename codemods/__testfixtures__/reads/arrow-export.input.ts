import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export const GET = (request: NextRequest) =>
  withSalesSession(request, async ({ db }) => NextResponse.json({ tenants: await db.tenant.count() }), { requireSalesRep: false });
