import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import type { TenantDb } from "@/lib/tenant";

async function closeOrders(context: { tenantId: string; db: TenantDb }) {
  await context.db.order.updateMany({ where: { tenantId: context.tenantId }, data: { status: "closed" } });
  return NextResponse.json({ ok: true });
}

// Write-shape corpus: the handler is a function defined elsewhere, passed by name: it stays on V1, marked.
export async function POST(request: NextRequest) {
  return withSalesSession(request, closeOrders);
}
