import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { withTenant } from "@/lib/tenant";

// Write-shape corpus: raw SQL that writes through $queryRaw (INSERT ... RETURNING) and $executeRawUnsafe.
export async function POST(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId }) => {
    const { action } = (await request.json()) as { action: string };
    return withTenant(tenantId, async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`INSERT INTO "AuditLog" ("id", "tenantId", "action")
      VALUES (gen_random_uuid(), ${tenantId}, ${action}) RETURNING "id"`;
      await tx.$executeRawUnsafe('UPDATE "Order" SET "status" = $1 WHERE "tenantId" = $2', "audited", tenantId);
      return NextResponse.json(rows[0], { status: 201 });
    });
  });
}
