import type { TenantDb } from "@/lib/tenant";

export type PriceChange = { skuId: string; unitPriceCents: number };
export type RepoScope = { db: TenantDb; tenantId: string };

/** The current price of each SKU in `skuIds`. */
export async function loadPriceList(skuIds: string[], scope: RepoScope) {
  return scope.db.inventory.findMany({ where: { tenantId: scope.tenantId, skuId: { in: skuIds } } });
}

/** Sets the new prices, one row per SKU. */
export async function applyPriceChanges(changes: PriceChange[], { db, tenantId }: RepoScope) {
  for (const change of changes) {
    await db.inventory.update({ where: { tenantId_skuId: { tenantId, skuId: change.skuId } }, data: { unitPriceCents: change.unitPriceCents } });
  }
  return changes.length;
}
