// @tenant-kit-fixture path=scripts/reindex.ts
import { PrismaClient } from "@prisma/client";

const prisma = new PrismaClient();

await prisma.customer.updateMany({ data: { name: "reindexed" } });
await prisma.$disconnect();
