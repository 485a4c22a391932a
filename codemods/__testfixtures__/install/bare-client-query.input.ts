import { NextResponse, type NextRequest } from "next/server";
import { prisma } from "@/lib/prisma";
import { withSalesSession } from "@/lib/auth/sales";

// A cron job on the shared client (reported), a global table (not reported), and a handler's own db (not the client).
export async function GET(request: NextRequest) {
  const stale = await prisma.order.findMany({ where: { status: "open" } });
  const tenants = await prisma.tenant.count();
  const rows = await prisma.$queryRaw`SELECT count(*) FROM "AuditLog"`;
  return withSalesSession(request, async ({ db: prisma }) => NextResponse.json({ stale, tenants, rows, mine: await prisma.customer.count() }));
}
