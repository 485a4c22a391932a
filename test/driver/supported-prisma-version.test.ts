import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { PRISMA6_DIR } from "../../fixtures/prisma6/ensure-prisma6-client.ts";
import { SUPPORTED_PRISMA_VERSIONS, tenantExtension, UnsupportedPrismaVersionError } from "prisma-tenant-kit";
// A pure function of the version string, unit-tested from the source.
import { assertSupportedPrismaVersion } from "../../extension/prisma/supported-prisma-client.ts";
import { createAppClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";
import { importPrismaClient, PRISMA_MAJOR } from "../setup/prisma-client-under-test.ts";

// Runs in every project of vitest.config.ts: against Prisma 7 and against the Prisma 6 of fixtures/prisma6.
let database: TestDatabase;
let tenants: SeededTenant[];

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2 });
});
afterAll(() => database.drop());

describe(`Prisma ${PRISMA_MAJOR}`, () => {
  it("is the Prisma the project says, and the kit's peer dependencies resolve to it", async () => {
    const { prisma, adapter } = createAppClient(database);
    try {
      const [a] = tenants as [SeededTenant];
      expect(await prisma.$forTenant(a.id).customer.count()).toBe(5);
      const version = (prisma as unknown as { _clientVersion: string })._clientVersion;
      expect(version.split(".")[0]).toBe(String(PRISMA_MAJOR));
      // The kit's pool must come from the app's pg, the one the app's @prisma/adapter-pg adopts (DuplicatePgError).
      const appModules = PRISMA_MAJOR === 6 ? PRISMA6_DIR : join(import.meta.dirname, "..", "..");
      const appPg = createRequire(join(appModules, "package.json"))("pg") as typeof import("pg");
      expect(adapter.pool).toBeInstanceOf(appPg.Pool);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("refuses a client without a driver adapter, naming the supported versions and the one it found", async () => {
    const PrismaClient = await importPrismaClient();
    // No adapter: Prisma 7 takes an Accelerate URL instead, Prisma 6 a prisma:// datasource URL.
    const url = "prisma://accelerate.prisma-data.net/?api_key=none";
    const options = PRISMA_MAJOR === 6 ? { datasourceUrl: url } : { accelerateUrl: url };
    const client = new PrismaClient(options as ConstructorParameters<typeof PrismaClient>[0]);
    const version = (client as unknown as { _clientVersion: string })._clientVersion;
    const thrown = (() => {
      try {
        client.$extends(tenantExtension());
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(UnsupportedPrismaVersionError);
    expect(thrown).toMatchObject({ code: "UNSUPPORTED_PRISMA_VERSION", foundVersion: version });
    expect(thrown).toMatchObject({ supportedVersions: ">=6.16 <8" });
    expect((thrown as Error).message).toContain(`>=6.16 <8 with a driver adapter, but this client is ${version}.`);
    expect((thrown as Error).message).toMatch(/no driver adapter/);
  });
});

describe("supported versions", () => {
  it.each(["6.16.0", "6.17.1", "6.19.3", "6.16.0-integration-engines.1", "7.0.0", "7.10.1", "7.11.0-dev.4"])(
    "accepts %s",
    (version) => expect(() => assertSupportedPrismaVersion(version)).not.toThrow(),
  );

  it.each([
    ["5.22.0", /but this client is 5\.22\.0\. Upgrade @prisma\/client and prisma to 6\.16 or later/],
    ["6.15.0", /but this client is 6\.15\.0\. Upgrade/],
    ["6.6.0", /but this client is 6\.6\.0\. Upgrade/],
    ["8.0.0", /but this client is 8\.0\.0\. This prisma-tenant-kit release predates it/],
    [undefined, /but this client is of an unknown version\. Upgrade/],
  ])("refuses %s with a message naming >=6.16 <8 and the version", (version, message) => {
    let thrown: unknown;
    try {
      assertSupportedPrismaVersion(version);
    } catch (error) {
      thrown = error;
    }
    // By name, not instanceof: this internal may be a copy of the kit's source, apart from the installed kit.
    expect(thrown).toMatchObject({ name: "UnsupportedPrismaVersionError", foundVersion: version });
    expect((thrown as Error).message).toContain(`supports @prisma/client ${SUPPORTED_PRISMA_VERSIONS} with a driver`);
    expect((thrown as Error).message).toMatch(message);
  });
});
