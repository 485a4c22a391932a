// One instance of the application, run as its own Node process by cross-process-read-your-writes.test.ts: its own
// Prisma client and adapter over the same primary and replica as the other instance, driven over IPC.
import { createTenantAdapter, type TenantContextMode, tenantExtension } from "prisma-tenant-kit";
import { PrismaClient } from "../../fixtures/sales-app/src/generated/prisma/client.ts";

/** What the test asks an instance to do, as one user's request. */
export type AppRequest =
  | { op: "write"; tenantId: string; customerId: string; name: string }
  | { op: "read"; tenantId: string; customerId: string; token: string | undefined }
  | { op: "stop" };

/** An instance's answer: a write's token, or what a read returned and whether a replica served it. */
export type AppResponse =
  | { ok: true; token?: string | undefined; name?: string; replicaServed?: boolean }
  | { ok: false; error: string };

const adapter = createTenantAdapter({
  connectionString: process.env.PRIMARY_URL,
  pool: { max: 2 },
  replicas: [{ connectionString: process.env.REPLICA_URL, pool: { max: 2 } }],
  replicaPolicy: {
    maxLagMillis: 3_600_000,
    logger: () => undefined,
    ...(process.env.WRITE_POSITION_SECRET ? { writePositionSecret: process.env.WRITE_POSITION_SECRET } : {}),
  },
  contextMode: process.env.CONTEXT_MODE as TenantContextMode,
});
const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());

async function handle(request: AppRequest): Promise<AppResponse> {
  if (request.op === "write") {
    const { tenantId, customerId, name } = request;
    await prisma.$withTenant(tenantId, (tx) => tx.customer.update({ where: { id: customerId }, data: { name } }));
    return { ok: true, token: adapter.writePositionToken(tenantId) };
  }
  if (request.op === "read") {
    const before = adapter.replicaStats().replicas[0]!.reads;
    const db = prisma.$forTenant(request.tenantId);
    const customer = await adapter.readAfter(request.token, () =>
      db.customer.findUniqueOrThrow({ where: { id: request.customerId } }),
    );
    return { ok: true, name: customer.name, replicaServed: adapter.replicaStats().replicas[0]!.reads > before };
  }
  await prisma.$disconnect();
  return { ok: true };
}

process.on("message", (request: AppRequest) => {
  handle(request)
    .then(
      (response) => process.send?.(response),
      (error: Error) => process.send?.({ ok: false, error: `${error.name}: ${error.message}` }),
    )
    // Its pools ended, the instance exits once the IPC channel closes.
    .finally(() => request.op === "stop" && process.disconnect?.());
});
process.send?.({ ok: true });
