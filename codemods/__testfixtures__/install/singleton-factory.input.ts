// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@prisma/client";

const prismaClientSingleton = () => {
  return new PrismaClient({ datasources: { db: { url: process.env.POSTGRES_PRISMA_URL } } });
};

declare const globalThis: {
  prismaGlobal: ReturnType<typeof prismaClientSingleton>;
} & typeof global;

const client = globalThis.prismaGlobal ?? prismaClientSingleton();

export { client as prisma };
export default client;

if (process.env.NODE_ENV !== "production") globalThis.prismaGlobal = client;
