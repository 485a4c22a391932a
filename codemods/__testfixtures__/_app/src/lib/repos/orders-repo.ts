import type { TenantDb } from "@/lib/tenant";

export type NewOrderItem = { skuId: string; quantity: number; unitPriceCents: number };

/** Lists the most recent orders of a tenant. */
export async function listRecentOrders(db: TenantDb, tenantId: string, take = 50) {
  return db.order.findMany({ where: { tenantId }, orderBy: { createdAt: "desc" }, take });
}

/** Adds one line to an order and bumps its total. */
export async function addOrderItem(db: TenantDb, tenantId: string, orderId: string, item: NewOrderItem) {
  const line = await db.orderItem.create({ data: { tenantId, orderId, ...item } });
  await db.order.update({
    where: { id: orderId },
    data: { totalCents: { increment: item.quantity * item.unitPriceCents } },
  });
  return line;
}

/** Writes one audit entry. */
export async function recordAudit(db: TenantDb, tenantId: string, action: string, entityId?: string, actorId?: string) {
  return writeAuditRow(db, { tenantId, action, entityId, actorId });
}

function writeAuditRow(db: TenantDb, data: { tenantId: string; action: string; entityId?: string; actorId?: string }) {
  return db.auditLog.create({ data });
}
