import type { TenantDb } from "@/lib/tenant";

/** Finds a customer of the tenant by id. */
export function findCustomer(db: TenantDb, tenantId: string, id: string) {
  return db.customer.findFirst({ where: { id, tenantId } });
}

/** Counts the tenant's customers. */
export const countCustomers = async (db: TenantDb, tenantId: string): Promise<number> => db.customer.count({ where: { tenantId } });
