import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import * as admin from "prisma-tenant-kit/admin";
import * as kit from "prisma-tenant-kit";
import * as doctor from "prisma-tenant-kit/doctor";
import * as pool from "prisma-tenant-kit/pool";
import { PrismaClient } from "../../fixtures/sales-app/src/generated/prisma/client.ts";

const {
  createTenantAdapter,
  tenantExtension,
  CitusContextModeError,
  ConnectionStringMissingError,
  DatabaseUnreachableError,
  DuplicatePgError,
  InvalidTenantIdError,
  InvalidTenantKitOptionError,
  InvalidTransactionCallbackError,
  MixedTenantBatchError,
  PoolTimeoutError,
  RlsBypassingRoleError,
  StaleStatementError,
  TenantContextMissingError,
  TenantKitError,
  TenantMismatchError,
  TransactionLeftOpenError,
  TransactionNotCommittedError,
  UnsupportedPrismaVersionError,
  InvalidQueryContextError,
  ContextRoleNotAllowedError,
  ContextRoleUnusableError,
  ReadOnlyClientError,
  WriteWithoutTenantError,
} = kit;

// Bad input to the client gets a typed error before anything is sent: the adapter points at a port nothing listens
// on, so a call that tried to reach the database would fail with a connection error instead.
const adapter = createTenantAdapter({ connectionString: "postgres://app@127.0.0.1:1/none" });
const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());
afterAll(() => prisma.$disconnect());

describe("$withTenant without a callback", () => {
  it.each([undefined, null, "not a function"])("rejects %s with InvalidTransactionCallbackError", async (fn) => {
    const call = prisma.$withTenant("tenant-a", fn as unknown as () => Promise<void>);
    await expect(call).rejects.toBeInstanceOf(InvalidTransactionCallbackError);
    await expect(call).rejects.toMatchObject({ code: "INVALID_TRANSACTION_CALLBACK", message: /needs fn, a function/ });
  });
});

describe("InvalidTenantIdError says what it got", () => {
  it.each([
    [undefined, "The tenant id undefined is not valid"],
    [null, "The tenant id null is not valid"],
    [42, "The tenant id the number 42 is not valid"],
    [true, "The tenant id the boolean true is not valid"],
    ["", 'The tenant id "" is not valid'],
    [{ id: "tenant-a" }, "The tenant id an object is not valid"],
    [["tenant-a"], "The tenant id an array is not valid"],
  ])("for %j", (received, message) => {
    expect(() => prisma.$forTenant(received as string)).toThrow(message);
    const call = prisma.$withTenant(received as string, async () => 1);
    return expect(call).rejects.toMatchObject({ code: "INVALID_TENANT_ID", message: expect.stringContaining(message) });
  });

  it("shortens a long string and says how long it was", () => {
    expect(() => prisma.$forTenant("x".repeat(300))).toThrow(`"${"x".repeat(80)}"... (300 characters) is not valid`);
  });
});

describe("every error class names itself", () => {
  const instances: [abstract new (...args: never[]) => Error, () => Error][] = [
    [admin.AdminRoleError, () => new admin.AdminRoleError("app")],
    [ConnectionStringMissingError, () => new ConnectionStringMissingError(undefined, false)],
    [
      doctor.DoctorConnectionError,
      () => new doctor.DoctorConnectionError("postgres://app@h/d", { cause: new Error("x") }),
    ],
    [doctor.DoctorParserMissingError, () => new doctor.DoctorParserMissingError({ cause: new Error("x") })],
    [RlsBypassingRoleError, () => new RlsBypassingRoleError("postgres", ["SUPERUSER"])],
    [CitusContextModeError, () => new CitusContextModeError("app")],
    [DuplicatePgError, () => new DuplicatePgError()],
    [StaleStatementError, () => new StaleStatementError("released")],
    [TransactionLeftOpenError, () => new TransactionLeftOpenError("T")],
    [
      TransactionNotCommittedError,
      () => new TransactionNotCommittedError("rolled-back", { cause: new Error("23505") }),
    ],
    [InvalidTenantIdError, () => new InvalidTenantIdError(42)],
    [ReadOnlyClientError, () => new ReadOnlyClientError("order.create")],
    [InvalidQueryContextError, () => new InvalidQueryContextError('settings["app.user_id"]', "it is not a string")],
    [ContextRoleNotAllowedError, () => new ContextRoleNotAllowedError("postgres", ["app_user"])],
    [ContextRoleUnusableError, () => new ContextRoleUnusableError("app", [{ role: "anon", problem: "not-member" }])],
    [InvalidTenantKitOptionError, () => new InvalidTenantKitOptionError("pool.max", "must be positive")],
    [InvalidTransactionCallbackError, () => new InvalidTransactionCallbackError(undefined)],
    [MixedTenantBatchError, () => new MixedTenantBatchError(["a", null])],
    [PoolTimeoutError, () => new PoolTimeoutError(10, 3)],
    [TenantContextMissingError, () => new TenantContextMissingError("prisma.customer.findMany()")],
    [TenantMismatchError, () => new TenantMismatchError('$withTenant("b")', 'a transaction of tenant "a"')],
    [UnsupportedPrismaVersionError, () => new UnsupportedPrismaVersionError("5.22.0", "Upgrade it.")],
    [
      pool.PeerDependencyMissingError,
      () => new pool.PeerDependencyMissingError("@opentelemetry/api", "instrumentPool", { cause: new Error("x") }),
    ],
    [WriteWithoutTenantError, () => new WriteWithoutTenantError("Customer", { cause: new Error("42501") })],
    [
      DatabaseUnreachableError,
      () =>
        new DatabaseUnreachableError("db", 5432, "refused", { cause: Object.assign(new Error("x"), { code: "E" }) }),
    ],
  ];

  it("covers every exported TenantKitError", () => {
    const modules = [kit, admin, doctor, pool];
    const exported = modules
      .flatMap((module) => Object.values(module))
      .filter((value) => typeof value === "function" && value.prototype instanceof TenantKitError);
    expect(new Set(instances.map(([errorClass]) => errorClass))).toEqual(new Set(exported));
  });

  it("lists every class with its code in the README's table of errors", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const rows = instances.map(([errorClass, create]) => {
      const { name, code } = create() as Error & { code: string };
      return { name, listed: new RegExp(`^\\| \`${errorClass.name}\`[^|]*\\| \`${code}\` \\|`, "m").test(readme) };
    });
    expect(rows.filter((row) => !row.listed).map((row) => row.name)).toEqual([]);
  });

  it.each(instances)("%o keeps its name when a minifier renames the class", (errorClass, create) => {
    const name = errorClass.name;
    // What a minifier does: the class is called `d`; `new.target.name` would then report "d".
    Object.defineProperty(errorClass, "name", { value: "d", configurable: true });
    try {
      const error = create();
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(TenantKitError);
      expect(String(error)).toMatch(new RegExp(`^${name}: `));
      expect((error as { code?: unknown }).code).toMatch(/^[A-Z_]+$/);
    } finally {
      Object.defineProperty(errorClass, "name", { value: name, configurable: true });
    }
  });
});
