// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@/generated/prisma/client";

export const prisma = new PrismaClient();

// Soft delete through middleware: an extended client has no $use, so install leaves the client as it is.
// tenant-kit: client-hook - rewrite this middleware as $extends({ query }) on the kit's view (tenantClient)
prisma.$use(async (params, next) => {
  if (params.action === "delete") return next({ ...params, action: "update", args: { ...params.args, data: { deletedAt: new Date() } } });
  return next(params);
});
