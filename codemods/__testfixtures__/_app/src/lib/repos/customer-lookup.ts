import type { TenantDb } from "@/lib/tenant";

/**
 * Finds a customer by email; callers outside a request may omit `db` and get the shared client.
 *
 * @param tenantId the tenant to search
 * @param email exact address
 * @param db the request's client; when left out, the module's default client is loaded lazily
 */
export async function findCustomerByEmail(tenantId: string, email: string, db?: TenantDb) {
  const client = db || (await import("@/lib/prisma")).prisma;
  return client.customer.findFirst({ where: { tenantId, email } });
}
