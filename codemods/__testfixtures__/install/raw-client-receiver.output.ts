// @tenant-kit-fixture path=src/lib/stats/order-stats.ts
import type { Prisma, PrismaClient } from "@/generated/prisma/client";

// Handed the shared client by some callers and a plain one of another module by an admin route: a plain client fits
// neither of the kit's types, so this module keeps its types and is listed until that route uses the shared client.
export async function openOrders(db: PrismaClient | Prisma.TransactionClient): Promise<number> {
  return db.order.count({ where: { status: "open" } });
}
// @tenant-kit-fixture file=src/lib/legacy-db.ts
import { PrismaClient } from "@/generated/prisma/client";

const legacy = new PrismaClient();
export default legacy;
// @tenant-kit-fixture file=src/app/api/admin/stats/route.ts
import legacy from "@/lib/legacy-db";
import { openOrders } from "@/lib/stats/order-stats";

export async function GET() {
  return Response.json({ open: await openOrders(legacy) });
}
