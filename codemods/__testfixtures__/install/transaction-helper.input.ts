// @tenant-kit-fixture path=src/lib/prisma-tx.ts
import { prisma } from "@/lib/prisma";
import type { TenantDb } from "@/lib/tenant";

/** Runs `fn` in a transaction whose policies see `clinicId`'s rows. */
export const runInClinic = async <T>(clinicId: string, fn: (tx: TenantDb) => Promise<T>): Promise<T> =>
  prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SELECT set_config('app.tenant_id', $1, false)", clinicId);
    const result = await fn(tx);
    return result;
  });
