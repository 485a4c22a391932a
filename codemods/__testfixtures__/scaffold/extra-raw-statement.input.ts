// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";

export type TenantDb = TenantTransactionClient<typeof prisma>;

// Refused: besides the tenant context, the transaction sets a statement timeout that only exists inside a transaction.
// Scaffold cannot tell where V2 should put it, so it names that line and adds nothing.
export async function withTenantFromRequest<T>(request: NextRequest, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  return prisma.$transaction(async (tx) => {
    const tenantId = request.headers.get("x-tenant-id") ?? "";
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
    await tx.$executeRaw`SET LOCAL statement_timeout = 5000`;
    return { result: await fn(tenantId, tx) };
  });
}

/** A session wrapper in the same module: it waits for the tenant wrapper's V2 rather than point at one that is not there. */
export async function withApiKey(request: NextRequest, handler: (context: { tenantId: string; db: TenantDb }) => Promise<Response>) {
  if (!request.headers.get("x-api-key")) return new Response("api key required", { status: 401 });
  const { result } = await withTenantFromRequest(request, (tenantId, db) => handler({ tenantId, db }));
  return result;
}
