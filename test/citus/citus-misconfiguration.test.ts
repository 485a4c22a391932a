import { beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../codemods/cli/exit-codes.ts";
import { main } from "../../codemods/cli/tenant-kit-cli.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { startWireProxy } from "../../fixtures/database/wire-proxy.ts";
import { CitusContextModeError, TenantKitError } from "prisma-tenant-kit";
import { runDoctor } from "prisma-tenant-kit/doctor";
import {
  CITUS_SKIP_REASON,
  citus,
  citusAppUrl,
  citusRoutes,
  createCitusAppClient,
  seedCitusTenants,
} from "../setup/init-citus-test.ts";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

// What goes wrong on Citus without the transaction-block mode, and that the kit says so instead of returning nothing.

describe.skipIf(!citus)(`a misconfigured Citus setup fails closed and says so ${CITUS_SKIP_REASON}`, () => {
  let tenants: SeededTenant[];
  beforeAll(async () => {
    tenants = await seedCitusTenants({ tenants: 2, customersPerTenant: 3, prefix: "citus-misconfig" });
  });

  describe.each(citusRoutes())("%s", (route) => {
    it("the default set-config mode is refused at the first connection with CitusContextModeError", async () => {
      const { prisma, adapter } = createCitusAppClient({ route, contextMode: "set-config" });
      try {
        const error = await adapter.connect().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CitusContextModeError);
        expect(error).toBeInstanceOf(TenantKitError);
        expect(error).toMatchObject({
          name: "CitusContextModeError",
          code: "CITUS_NEEDS_TRANSACTION_BLOCK",
          database: citus!.database,
        });
        expect((error as Error).message).toContain('contextMode: "transaction-block"');
        await expect(prisma.$forTenant(tenants[0]!.id).customer.findMany()).rejects.toThrow(
          /a Citus database, in the context mode "set-config"/,
        );
      } finally {
        await prisma.$disconnect();
      }
    });

    it("why: in the set-config mode (check skipped) every tenant reads 0 of its rows", async () => {
      // allowRlsBypassingRole skips the first-connection check altogether; the role is still the RLS-bound app role.
      const { prisma } = createCitusAppClient({
        route,
        contextMode: "set-config",
        allowRlsBypassingRole: "i-know-this-serves-every-tenant",
      });
      const { prisma: fixed } = createCitusAppClient({ route });
      try {
        for (const tenant of tenants) {
          expect(await prisma.$forTenant(tenant.id).customer.findMany()).toEqual([]);
          expect(await prisma.$forTenant(tenant.id).customer.findMany({ where: { tenantId: tenant.id } })).toEqual([]);
          expect(await prisma.$withTenant(tenant.id, (tx) => tx.customer.count())).toBe(0);
          // The same queries in the transaction-block mode: the rows are there.
          expect(await fixed.$forTenant(tenant.id).customer.count()).toBe(tenant.customerIds.length);
        }
      } finally {
        await prisma.$disconnect();
        await fixed.$disconnect();
      }
    });
  });

  it("SET LOCAL reaches the shards only with citus.propagate_set_commands = 'local', which the kit sets", async () => {
    // Raw pg as the application role, whose citus.propagate_set_commands is the default ('none').
    const client = createPgClient({ connectionString: citusAppUrl() });
    await client.connect();
    const countIn = async (statements: string[]) => {
      await client.query("BEGIN");
      for (const statement of statements) await client.query(statement);
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "Customer"`);
      await client.query("COMMIT");
      return rows[0].n as number;
    };
    try {
      const tenant = `SET LOCAL app.tenant_id = '${tenants[0]!.id}'`;
      const shown = await client.query("SELECT current_setting('citus.propagate_set_commands') AS value");
      expect(shown.rows[0].value).toBe("none");
      expect(await countIn([tenant])).toBe(0);
      expect(await countIn(["SET LOCAL citus.propagate_set_commands = 'local'", tenant])).toBe(3);
      // The setting does not outlive the block: nothing is left on the connection.
      expect(await countIn([tenant])).toBe(0);
    } finally {
      await client.end();
    }
  });

  it("the check is one query per pool, not a round trip per query", async () => {
    const url = new URL(citus!.superuserUrl);
    const proxy = await startWireProxy({ host: url.hostname, port: Number(url.port) });
    const { prisma } = createCitusAppClient({ route: { host: proxy.host, port: proxy.port } });
    try {
      for (const tenant of tenants) await prisma.$forTenant(tenant.id).customer.findMany();
      await prisma.$withTenant(tenants[0]!.id, (tx) => tx.customer.count());
      const checks = proxy.messages.filter((m) => m.sql?.includes("extname = 'citus'"));
      expect(checks).toHaveLength(1);
    } finally {
      await prisma.$disconnect();
      await proxy.stop();
    }
  });

  it("tenant-kit doctor reports CITUS_NEEDS_TRANSACTION_BLOCK unless told the app uses that mode", async () => {
    const connectionString = citusAppUrl();
    const defaultMode = await runDoctor({ connectionString });
    const finding = defaultMode.findings.find((f) => f.code === "CITUS_NEEDS_TRANSACTION_BLOCK");
    expect(finding).toMatchObject({ object: { kind: "database", name: citus!.database } });
    expect(finding?.fix).toContain('contextMode: "transaction-block"');
    const blockMode = await runDoctor({ connectionString, contextMode: "transaction-block" });
    expect(blockMode.findings).toEqual([]);
    expect(blockMode.tenantTables.length).toBeGreaterThan(10);

    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined, color: false, progress: false };
    const doctor = (...args: string[]) =>
      main(["node", "tenant-kit", "doctor", "--url", connectionString, ...args], io);
    expect(await doctor()).toBe(EXIT_CODES.doctorFindings);
    expect(out.join("")).toContain("CITUS_NEEDS_TRANSACTION_BLOCK");
    expect(await doctor("--context-mode", "transaction-block")).toBe(EXIT_CODES.ok);
  });
});
