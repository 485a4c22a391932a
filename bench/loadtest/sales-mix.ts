import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { LoadRequest } from "./load-generator.ts";

/** Share of requests that write (the rest read): 002's apps are read-heavy, 80/20. */
export const WRITE_SHARE = 0.2;

const READS = ["/api/customers", "/api/dashboard", "/api/orders"] as const;

/** The cookies and header a signed-in sales rep of `tenant` sends. */
export function salesRepHeaders(tenant: SeededTenant): Record<string, string> {
  return { cookie: `sales_session=${tenant.sessionId}; sales_tenant=${tenant.id}`, "x-tenant-id": tenant.id };
}

/**
 * The fixture app's traffic: virtual user `user` is a sales rep of tenant `user % tenants.length`; 80% of its requests
 * read (customers, dashboard, recent orders), 20% write: an order of one or two SKUs (stock check then decrement,
 * order, items, invoice, one transaction) or a new customer with its audit entry. `tag` keeps the new customers'
 * emails (unique per tenant) apart across runs on one database.
 */
export function salesMix(
  tenants: SeededTenant[],
  options: { tag: string; random?: () => number },
): (user: number) => LoadRequest {
  const random = options.random ?? Math.random;
  let sequence = 0;
  return (user) => {
    const tenant = tenants[user % tenants.length]!;
    const headers = salesRepHeaders(tenant);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    if (random() >= WRITE_SHARE) return { method: "GET", path: pick(READS), routeClass: "read", headers };
    if (random() < 0.5) {
      const n = ++sequence;
      return {
        method: "POST",
        path: "/api/customers",
        routeClass: "write",
        headers,
        body: { name: `Load customer ${n}`, email: `load-${options.tag}-${n}@${tenant.slug}.test` },
      };
    }
    // SKUs in a fixed order, as a real checkout sorts its lines: two orders locking the same rows in opposite orders
    // would deadlock (40P01) in any variant, which says nothing about the pool.
    const [first, second] = [pick(tenant.skuIds), pick(tenant.skuIds)].sort() as [string, string];
    return {
      method: "POST",
      path: "/api/orders",
      routeClass: "write",
      headers,
      body: {
        customerId: pick(tenant.customerIds),
        items: [
          { skuId: first, quantity: 1, unitPriceCents: 1_250 },
          ...(second === first ? [] : [{ skuId: second, quantity: 2, unitPriceCents: 990 }]),
        ],
      },
    };
  };
}
