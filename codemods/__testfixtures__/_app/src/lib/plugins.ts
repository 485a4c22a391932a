import type { TenantDb } from "@/lib/tenant";

/** Hooks registered at runtime (their code is not known statically). */
export const afterImportHooks: Array<(db: TenantDb, tenantId: string) => Promise<void>> = [];

/** A runner the codemods cannot see into: it keeps `db` for later. */
export type Exporter = { db: TenantDb; tenantId: string };
const queuedExports: Exporter[] = [];
export function startExport(exporter: Exporter): { id: string } {
  queuedExports.push(exporter);
  return { id: `${exporter.tenantId}-${Date.now()}` };
}
