// @tenant-kit-fixture path=src/lib/metrics/query-counter.ts
import { prisma } from "@/lib/prisma";

// Hangs a counter on the shared client: $forTenant clients are new objects and would not have it.
// tenant-kit: client-hook - add this property with $extends({ client }) on the kit's view (tenantClient)
Object.assign(prisma, { queriesServed: 0 });

/** How many queries the process has served. */
export function queriesServed(): number {
  return (prisma as unknown as { queriesServed: number }).queriesServed;
}
