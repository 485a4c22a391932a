import type { PrismaClient as Prisma7Client } from "../../fixtures/sales-app/src/generated/prisma/client.ts";
import { type Prisma6Generator, prisma6ClientEntry } from "../../fixtures/prisma6/ensure-prisma6-client.ts";

/**
 * The Prisma major a test run exercises: 7 by default, 6 in the `prisma6` projects of vitest.config.ts, which set
 * PRISMA_MAJOR=6 (and PRISMA6_GENERATOR) and resolve the kit's peer dependencies from fixtures/prisma6.
 */
export const PRISMA_MAJOR: 6 | 7 = process.env.PRISMA_MAJOR === "6" ? 6 : 7;

/**
 * The fixture schema's generated `PrismaClient` for {@link PRISMA_MAJOR}: Prisma 7's `prisma-client` output, or Prisma
 * 6's `prisma-client-js` (default) or `prisma-client` output. Typed as the Prisma 7 client: the models are the same.
 */
export async function importPrismaClient(): Promise<typeof Prisma7Client> {
  if (PRISMA_MAJOR === 7) return (await import("../../fixtures/sales-app/src/generated/prisma/client.ts")).PrismaClient;
  const generator = (process.env.PRISMA6_GENERATOR ?? "prisma-client-js") as Prisma6Generator;
  const module = (await import(prisma6ClientEntry(generator))) as { PrismaClient: unknown };
  return module.PrismaClient as typeof Prisma7Client;
}
