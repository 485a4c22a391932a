// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient, type Prisma } from "@prisma/client";

const options: Prisma.PrismaClientOptions = { log: ["error"] };

export const prisma = new PrismaClient(options);
