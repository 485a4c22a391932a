// @tenant-kit-fixture path=src/lib/prisma.ts
import { Prisma, PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantClient } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const cache = globalThis as unknown as { prisma?: PrismaClient };

/** Adds the pooler's flag to the URL unless it is there already. */
function withPoolerFlag(url: string | undefined): string | undefined {
  if (!url || url.includes("pgbouncer=")) return url;
  return `${url}${url.includes("?") ? "&" : "?"}pgbouncer=true`;
}

const connectionUrl = withPoolerFlag(process.env.DATABASE_URL);

export const prisma =
  cache.prisma ??
  new PrismaClient({
    log: process.env.NODE_ENV === "production" ? ["error"] : ["warn", "error"],
    adapter: createTenantAdapter({ connectionString: connectionUrl, setting: "app.tenant_id" }),
    transactionOptions: { maxWait: 10_000 },
  });

/** The shared client with the tenant kit: `$forTenant(tenantId)` per query, `$withTenant(tenantId, fn)` for writes. */
export const tenantPrisma = tenantClient(prisma);
/** The type of the shared client with the tenant kit. */
export type TenantPrismaClient = typeof tenantPrisma;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

export const db = prisma;
export default prisma;

if (process.env.NODE_ENV !== "production") cache.prisma = prisma;

/** Runs `work` in one transaction whose RLS policies see `tenantId`'s rows. */
export async function withTenant<T>(tenantId: string, work: (tx: Prisma.TransactionClient) => Promise<T>) {
  return tenantPrisma.$withTenant(
    tenantId,
    async (tx) => {
      return work(tx);
    },
    { timeout: 20_000 },
  );
}

/** Runs `work` in a transaction of its own unless `db` is one already. */
export async function inTransaction<T>(
  db: PrismaClient | Prisma.TransactionClient,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
) {
  if ("$transaction" in db) return (db as PrismaClient).$transaction(work);
  return work(db);
}
// @tenant-kit-fixture file=src/lib/audit/audit-trail.ts
import type { Prisma, PrismaClient } from "@/generated/prisma/client";

type Executor = PrismaClient | Prisma.TransactionClient;

/** Records who changed what, on the caller's client or transaction. */
export async function recordChange(db: Executor, entityId: string, action: string): Promise<void> {
  await db.auditLog.create({ data: { id: `${entityId}:${action}`, tenantId: "", entityId, action } });
}

/** The options a caller may pass along (kept: not a client type). */
export type ChangeFilter = Prisma.AuditLogWhereInput;
// @tenant-kit-fixture file=scripts/reindex-notes.ts
import { PrismaClient } from "@/generated/prisma/client";

// A script with a client of its own: listed, never retyped (its client stays a plain one).
const scriptClient = new PrismaClient();

async function reindex(db: PrismaClient): Promise<number> {
  return db.customer.count();
}

console.log(await reindex(scriptClient));
