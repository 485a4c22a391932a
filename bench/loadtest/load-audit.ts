import type pg from "pg";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

/** Rows that break tenant isolation or show a half-applied write; every count must be 0. */
export interface LoadAudit {
  /** Rows whose tenant differs from a row they belong to, or that name another tenant's SKU or email domain. */
  crossTenant: Record<string, number>;
  /** Writes that did not complete as one unit. */
  halfApplied: Record<string, number>;
  /** Orders, order items and load customers the audit looked at. */
  checked: { orders: number; items: number; customers: number };
}

const CROSS_TENANT = {
  "order item ≠ its order":
    `SELECT count(*) FROM "OrderItem" i JOIN "Order" o ON o.id = i."orderId" ` + `WHERE i."tenantId" <> o."tenantId"`,
  "invoice ≠ its order":
    `SELECT count(*) FROM "Invoice" v JOIN "Order" o ON o.id = v."orderId" ` + `WHERE v."tenantId" <> o."tenantId"`,
  "order ≠ its customer":
    `SELECT count(*) FROM "Order" o JOIN "Customer" c ON c.id = o."customerId" ` + `WHERE o."tenantId" <> c."tenantId"`,
  "order item of another tenant's SKU":
    `SELECT count(*) FROM "OrderItem" i JOIN "Tenant" t ON t.id = i."tenantId" ` +
    `WHERE i."skuId" NOT LIKE t.slug || '-sku-%'`,
  "customer with another tenant's email":
    `SELECT count(*) FROM "Customer" c JOIN "Tenant" t ON t.id = c."tenantId" ` +
    `WHERE c.email NOT LIKE '%@' || t.slug || '.test'`,
  "audit entry ≠ its actor":
    `SELECT count(*) FROM "AuditLog" a JOIN "User" u ON u.id = a."actorId" ` + `WHERE a."tenantId" <> u."tenantId"`,
  "audit entry ≠ its customer":
    `SELECT count(*) FROM "AuditLog" a JOIN "Customer" c ON c.id = a."entityId" ` +
    `WHERE a.action = 'customer.created' AND a."tenantId" <> c."tenantId"`,
};

const HALF_APPLIED = {
  "order without invoice":
    `SELECT count(*) FROM "Order" o WHERE NOT EXISTS (SELECT 1 FROM "Invoice" v ` + `WHERE v."orderId" = o.id)`,
  "order without items":
    `SELECT count(*) FROM "Order" o WHERE NOT EXISTS (SELECT 1 FROM "OrderItem" i ` + `WHERE i."orderId" = o.id)`,
  "order total ≠ its items":
    `SELECT count(*) FROM "Order" o WHERE o."totalCents" ` +
    `<> (SELECT coalesce(sum(i.quantity * i."unitPriceCents"), 0) FROM "OrderItem" i WHERE i."orderId" = o.id)`,
  // Stock is decremented in the same transaction as the order: what left the shelf is exactly what was ordered.
  "stock ≠ initial − ordered":
    `SELECT count(*) FROM "Inventory" s WHERE $1::int - s.quantity ` +
    `<> (SELECT coalesce(sum(i.quantity), 0) FROM "OrderItem" i WHERE i."tenantId" = s."tenantId" ` +
    `AND i."skuId" = s."skuId")`,
  "load customer without audit entry":
    `SELECT count(*) FROM "Customer" c WHERE c.email LIKE 'load-%' AND NOT EXISTS (SELECT 1 ` +
    `FROM "AuditLog" a WHERE a."entityId" = c.id AND a.action = 'customer.created')`,
};

async function counts(
  client: pg.Client,
  queries: Record<string, string>,
  params: unknown[],
): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const [name, sql] of Object.entries(queries)) {
    const { rows } = await client.query<{ count: string }>(sql, sql.includes("$1") ? params : []);
    result[name] = Number(rows[0]!.count);
  }
  return result;
}

/**
 * Audits the database after a load run as the admin role, which sees every tenant: 0 rows across tenants, 0
 * half-applied writes. `initialStock` is what seedTenants put on every SKU.
 */
export async function auditLoadRun(adminUrl: string, initialStock: number): Promise<LoadAudit> {
  const client = createPgClient({ connectionString: adminUrl });
  await client.connect();
  try {
    const crossTenant = await counts(client, CROSS_TENANT, []);
    const halfApplied = await counts(client, HALF_APPLIED, [initialStock]);
    const { rows } = await client.query<{ orders: string; items: string; customers: string }>(
      `SELECT (SELECT count(*) FROM "Order") AS orders, (SELECT count(*) FROM "OrderItem") AS items,
              (SELECT count(*) FROM "Customer" WHERE email LIKE 'load-%') AS customers`,
    );
    const row = rows[0]!;
    return {
      crossTenant,
      halfApplied,
      checked: { orders: Number(row.orders), items: Number(row.items), customers: Number(row.customers) },
    };
  } finally {
    await client.end();
  }
}

/** The names of the audit checks that found rows, empty when the run was clean. */
export function auditFailures(audit: LoadAudit): string[] {
  return Object.entries({ ...audit.crossTenant, ...audit.halfApplied })
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name}: ${count}`);
}
