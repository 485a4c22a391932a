import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DoctorConnectionError, runDoctor, type DoctorReport } from "prisma-tenant-kit/doctor";
import { InvalidTenantKitOptionError } from "prisma-tenant-kit";
import { availableRoutes, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";
import { CLEAN_SCHEMA_SQL, PLANTED_SCHEMA_SQL, runAsSuperuser } from "./planted-schemas.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await initTest();
  await seedTestTenants(database, { tenants: 2, customersPerTenant: 2 });
  await runAsSuperuser(inject("database").superuserUrl, database.name, CLEAN_SCHEMA_SQL + PLANTED_SCHEMA_SQL);
});
afterAll(() => database.drop());

const found = (report: DoctorReport) => report.findings.map((f) => `${f.code} ${f.object.kind} ${f.object.name}`);

/** Every problem planted in schema `planted`, and nothing for its clean neighbours. */
const PLANTED = [
  "FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key child_safe_id_fkey on planted.child",
  "LIVE_PROBE_FAILED table planted.helper_cast",
  "LIVE_PROBE_FAILED table planted.uuid_cast",
  "LIVE_PROBE_RETURNED_ROWS table planted.allow_all",
  "LIVE_PROBE_RETURNED_ROWS table planted.app_owned",
  "LIVE_PROBE_RETURNED_ROWS table planted.no_rls",
  "LIVE_PROBE_RETURNED_ROWS table planted.probe_only",
  "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT policy anyone on planted.allow_all",
  "POLICY_CASTS_UNGUARDED_SETTING policy tenant_isolation on planted.helper_cast",
  "POLICY_CASTS_UNGUARDED_SETTING policy tenant_isolation on planted.uuid_cast",
  "POLICY_NOT_PROVEN policy tenant_isolation on planted.probe_only",
  "POLICY_READS_OTHER_SETTING policy tenant_isolation on planted.other_setting",
  "RLS_NOT_ENABLED table planted.no_rls",
  "RLS_NOT_FORCED table planted.app_owned",
  "SECURITY_DEFINER_READS_TENANT_TABLE function planted.leaky_count()",
  "TRUNCATE_GRANTED table planted.app_owned",
  "TRUNCATE_GRANTED table planted.truncatable",
  "VIEW_BYPASSES_RLS materialized view planted.leaky_matview",
  "VIEW_BYPASSES_RLS view planted.leaky_view",
];

describe.each(availableRoutes())("runDoctor as the application role (%s)", (route) => {
  it("finds every planted problem, once, naming the object, and nothing on the clean neighbours", async () => {
    const report = await runDoctor({ connectionString: database.appUrl(route), schemas: ["planted"] });
    expect(found(report)).toEqual(PLANTED);
    expect(report.role).toBe("tenant_kit_app");
    for (const finding of report.findings) {
      expect(finding.problem).toContain(finding.object.name.split(" on ").at(-1)!.replace(/\(\)$/, ""));
      expect(finding.fix.length).toBeGreaterThan(20);
    }
  });

  it("finds nothing on tables made with generateRlsSql and composite foreign keys", async () => {
    const report = await runDoctor({ connectionString: database.appUrl(route), schemas: ["clean"] });
    expect(report.tenantTables).toEqual(["Account", "Contact", "Device", "Invoice", "Note"].map((t) => `clean.${t}`));
    expect(report.findings).toEqual([]);
    expect(report.notes).toEqual([]);
  });
});

it("on the fixture schema, flags only its single-column foreign keys between tenant tables", async () => {
  // The fixture's RLS comes from generateRlsSql: no RLS, policy, grant or probe finding. Its Prisma relations use
  // single-column keys (Order.customerId -> Customer.id), which the doctor rightly reports.
  const report = await runDoctor({ connectionString: database.appUrl(), schemas: ["public"] });
  expect(report.tenantTables).toHaveLength(13);
  expect(found(report)).toEqual([
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "CustomerNote_customerId_fkey" on public."CustomerNote"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "Invoice_orderId_fkey" on public."Invoice"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "OrderItem_orderId_fkey" on public."OrderItem"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "Order_customerId_fkey" on public."Order"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "RolePermission_roleId_fkey" on public."RolePermission"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "SalesRepProfile_userId_fkey" on public."SalesRepProfile"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "SalesSession_userId_fkey" on public."SalesSession"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "UserRole_roleId_fkey" on public."UserRole"',
    'FOREIGN_KEY_WITHOUT_TENANT_COLUMN foreign key "UserRole_userId_fkey" on public."UserRole"',
  ]);
});

describe("a role that bypasses RLS", () => {
  it("is reported for a BYPASSRLS role, and the live probe shows the leak", async () => {
    const report = await runDoctor({ connectionString: database.adminUrl, schemas: ["clean"] });
    expect(found(report)).toEqual([
      'LIVE_PROBE_RETURNED_ROWS table clean."Account"',
      'LIVE_PROBE_RETURNED_ROWS table clean."Contact"',
      'LIVE_PROBE_RETURNED_ROWS table clean."Device"',
      'LIVE_PROBE_RETURNED_ROWS table clean."Invoice"',
      'LIVE_PROBE_RETURNED_ROWS table clean."Note"',
      "ROLE_BYPASSES_RLS role tenant_kit_admin",
    ]);
  });

  it("is reported for a superuser", async () => {
    const url = new URL(inject("database").superuserUrl);
    url.pathname = `/${database.name}`;
    const report = await runDoctor({ connectionString: url.toString(), schemas: ["clean"], skipProbe: true });
    const role = report.findings.filter((f) => f.code === "ROLE_BYPASSES_RLS");
    expect(role).toMatchObject([{ object: { kind: "role", name: url.username } }]);
    expect(role[0]!.problem).toContain("SUPERUSER");
    // A superuser also holds TRUNCATE on every table, which ignores RLS.
    expect(new Set(report.findings.map((f) => f.code))).toEqual(new Set(["ROLE_BYPASSES_RLS", "TRUNCATE_GRANTED"]));
  });
});

it("reads the setting and tenant column it is given", async () => {
  const other = await runDoctor({
    connectionString: database.appUrl(),
    schemas: ["clean"],
    setting: "app.current_tenant",
  });
  // Every tenant policy now reads "another" setting, and Note's permissive `true` is no longer held by a restrictive
  // one.
  expect(found(other)).toEqual([
    'PERMISSIVE_POLICY_ALLOWS_ANY_TENANT policy open_reads on clean."Note"',
    'POLICY_READS_OTHER_SETTING policy by_helper on clean."Contact"',
    'POLICY_READS_OTHER_SETTING policy tenant_isolation on clean."Account"',
    'POLICY_READS_OTHER_SETTING policy tenant_isolation on clean."Device"',
    'POLICY_READS_OTHER_SETTING policy tenant_isolation on clean."Invoice"',
    'POLICY_READS_OTHER_SETTING policy tenant_only on clean."Note"',
  ]);
  // Fix texts name the setting the policies read, not the one the doctor was given.
  const permissive = other.findings.find((f) => f.code === "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT")!;
  expect(permissive.fix).toContain(`"tenantId" = NULLIF(current_setting('app.tenant_id', true), '')`);
  expect(permissive.fix).not.toContain("app.current_tenant");
  const otherSetting = other.findings.find((f) => f.code === "POLICY_READS_OTHER_SETTING")!;
  expect(otherSetting.fix).toMatch(/^If the application sets 'app.tenant_id', pass it to createTenantAdapter/);
  const none = await runDoctor({ connectionString: database.appUrl(), schemas: ["clean"], tenantColumn: "tenant_id" });
  expect(found(none)).toEqual([`NO_TENANT_TABLES database ${database.name}`]);
});

it("fails with typed errors on bad options and an unreachable database", async () => {
  await expect(runDoctor({ connectionString: undefined })).rejects.toThrow(InvalidTenantKitOptionError);
  const badSetting = runDoctor({ connectionString: database.appUrl(), setting: "tenant" });
  await expect(badSetting).rejects.toThrow(InvalidTenantKitOptionError);
  const missing = new URL(database.appUrl());
  missing.pathname = "/no_such_database";
  const error = await runDoctor({ connectionString: missing.toString() }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DoctorConnectionError);
  expect(error).toMatchObject({ code: "DOCTOR_CANNOT_CONNECT" });
  expect((error as Error).message).not.toContain(":app@");
});
