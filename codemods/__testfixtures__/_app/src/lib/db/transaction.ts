import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "../prisma";

/** The client a tenant transaction hands its callback. */
export type TenantTx = TenantTransactionClient<typeof prisma>;

/** Whether a tenant with this id exists (the tenants table has no RLS policy). */
export async function tenantExists(id: string): Promise<boolean> {
  return (await prisma.tenant.count({ where: { id } })) > 0;
}

/**
 * An app's own transaction helper, in a module of its own: it sets the tenant for the whole session (third argument
 * false) under the app's setting name, then runs `work` in the transaction.
 */
export async function runInTenant<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SELECT set_config('app.current_tenant_id', $1, false)", tenantId);
    return work(tx);
  });
}

/** The same helper as the install phase rebuilds it on the kit: `$withTenant` scopes one short transaction. */
export const inTenant = async <T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> =>
  prisma.$withTenant(tenantId, async (tx) => {
    const result = await work(tx);
    return result;
  });
