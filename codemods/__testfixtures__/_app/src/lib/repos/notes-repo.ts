import type { TenantDb } from "@/lib/tenant";

/**
 * The latest audit entries of an entity.
 *
 * @param db - client to read with; see {@link TenantDb}
 * @param tenantId - the tenant
 * @param entityId - the entity
 */
export async function listEntityNotes(db: TenantDb, tenantId: string, entityId: string) {
  return db.auditLog.findMany({ where: { tenantId, entityId }, orderBy: { createdAt: "desc" }, take: 20 });
}
