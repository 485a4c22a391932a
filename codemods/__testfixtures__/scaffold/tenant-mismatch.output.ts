// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";

export type TenantDb = TenantTransactionClient<typeof prisma>;

// Refused: the RLS context is set from one header and the handler is told another tenant. V1 scoped the queries to
// the first; V2's $forTenant would have to pick one, so scaffold names the handler call instead of guessing.
export async function withTenantFromRequest<T>(request: NextRequest, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  const scope = request.headers.get("x-tenant-id") ?? "";
  const claimed = request.headers.get("x-claimed-tenant") ?? scope;
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${scope}, true)`;
    return { result: await fn(claimed, tx) };
  });
}
