// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";

// Prisma 7 style: the driver adapter is built beside the client, only for it.
const pgAdapter = new PrismaPg({ connectionString: process.env.DATABASE_URL! });

export const prisma = new PrismaClient({ adapter: pgAdapter, errorFormat: "minimal" });
