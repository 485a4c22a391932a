import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What the kit knows about the current call: the tenant whose RLS context queries carry and, inside
 * `$withTenant`, the transaction client so a nested `$withTenant` for the same tenant can join it.
 */
export interface TenantContext {
  readonly tenantId: string;
  /** The interactive transaction client of the enclosing `$withTenant`, if any. */
  readonly transaction?: unknown;
}

/**
 * The one AsyncLocalStorage the kit uses. The Prisma extension writes it around each query; the pg pool reads it
 * when the query reaches the driver. Internal: applications pass tenants through `$forTenant` / `$withTenant`.
 */
export const tenantContext = new AsyncLocalStorage<TenantContext | undefined>();
