import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyClinicApp } from "../../fixtures/clinic-app-copy.ts";
import { typeCheck } from "../../fixtures/sales-app-copy.ts";
import { runPhase, type PhaseResult } from "../runner/codemod-runner.ts";

// The install phase on fixtures/clinic-app, out of the box (no config): a Prisma 6 style client module, a session-level
// set_config helper in another module than the tenant wrapper, policies on app.current_tenant_id. tsc runs before and
// after; a second run changes nothing.
describe("install on fixtures/clinic-app", { timeout: 600_000 }, () => {
  let copy: ReturnType<typeof copyClinicApp>;
  let result: PhaseResult;
  const read = (file: string): string => readFileSync(path.join(copy.app, file), "utf8");

  beforeAll(() => {
    copy = copyClinicApp();
  });
  afterAll(() => copy?.cleanup());

  it("type-checks as V1", () => {
    expect(typeCheck(copy.app).output).toBe("");
  });

  it("builds the shared client on the kit with the setting the policies read, keeping its options and exports", () => {
    result = runPhase("install", { target: copy.app }, { write: true });
    expect(result.summary.errors).toBe(0);
    expect(
      result.files
        .filter((f) => f.changed)
        .map((f) => f.file)
        .sort(),
    ).toEqual(["src/lib/db.ts", "src/lib/prisma-tx.ts"]);
    const db = read("src/lib/db.ts");
    expect(db).toContain('import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";');
    expect(db).toContain('import type { TenantTransactionClient } from "prisma-tenant-kit";');
    // The adapter takes string | undefined and reports a missing URL at the first query: no `!`.
    expect(db).toContain(
      "adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, " +
        'setting: "app.current_tenant_id" }),',
    );
    expect(db).toContain("transactionOptions: { maxWait: 10_000 },");
    expect(db).toContain('log: process.env.NODE_ENV === "development" ? ["query", "error", "warn"] : ["error"],');
    expect(db).toMatch(/\}\)\.\$extends\(tenantExtension\(\)\);/);
    // The singleton idiom and both exports are kept; its cache is typed with the extended client.
    expect(db).toContain(
      "const globalForPrisma = globalThis as unknown as { prisma: TenantPrismaClient | undefined };",
    );
    expect(db).toContain('if (process.env.NODE_ENV !== "production") globalForPrisma.prisma = db;');
    expect(db).toMatch(/export const db =\n {2}globalForPrisma\.prisma \?\?\n {2}createPrismaClient\(\);/);
    expect(db).toContain("export default db;");
    // The types the rest of the app is retyped to, declared and exported here.
    expect(db).toContain("export type TenantPrismaClient = ReturnType<typeof createPrismaClient>;");
    expect(db).toContain("export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;");
  });

  it("re-implements the session-level set_config helper on $withTenant, same signature", () => {
    const helper = read("src/lib/prisma-tx.ts");
    expect(helper).toContain(
      "export async function withTenant<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {",
    );
    expect(helper).toMatch(
      new RegExp(
        /return db\.\$withTenant\(\n {4}tenantId,\n {4}async \(tx\) => \{\n {6}return fn\(tx\);\n {4}\},/.source +
          /\n {4}\{ timeout: 15_000 \},/.source,
      ),
    );
    expect(helper).not.toContain("set_config");
    expect(helper).toContain('import { db, type TenantTransaction } from "./db";');
    expect(helper).toContain("export type TenantTx = TenantTransaction;");
    const notes = result.files.flatMap((f) => f.notes);
    expect(notes.some((n) => n.includes("V1 set it session-level"))).toBe(true);
    expect(
      notes.some((n) =>
        n.includes(
          'setting "app.current_tenant_id", read by the RLS policies ' +
            "(prisma/migrations/20250302090000_row_level_security/migration.sql: 18)",
        ),
      ),
    ).toBe(true);
    expect(notes.some((n) => n.includes("tenant-kit doctor"))).toBe(true);
  });

  it("lists the other client and the tenant-table queries on the bare client, with file:line", () => {
    const items = result.files
      .flatMap((f) => f.manualReview.map((m) => `${m.location.file}:${m.location.line} ${m.reason}`))
      .sort();
    expect(items).toEqual([
      "scripts/backfill-invoice-status.ts:4 extra-prisma-client",
      "src/app/api/cron/reminders/route.ts:12 bare-client-tenant-query",
      "src/lib/services/search-index.ts:7 bare-client-tenant-query",
    ]);
    const extra = result.files.flatMap((f) => f.manualReview).find((m) => m.reason === "extra-prisma-client");
    expect(extra?.detail).toContain('import the shared client from "@/lib/db"');
  });

  it("type-checks after install, and a second run changes nothing", () => {
    expect(typeCheck(copy.app).output).toBe("");
    expect(runPhase("install", { target: copy.app }, { write: false }).summary.changed).toBe(0);
  });
});
