import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Write-shape corpus: raw SQL that writes through $queryRaw (INSERT ... RETURNING) and $executeRawUnsafe.
export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const { action } = (await request.json()) as { action: string };
    const rows = await db.$queryRaw<{ id: string }[]>`INSERT INTO "AuditLog" ("id", "tenantId", "action")
      VALUES (gen_random_uuid(), ${tenantId}, ${action}) RETURNING "id"`;
    await db.$executeRawUnsafe('UPDATE "Order" SET "status" = $1 WHERE "tenantId" = $2', "audited", tenantId);
    return NextResponse.json(rows[0], { status: 201 });
  });
}
