import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

  it("type-checks as V1", { timeout: 300_000 }, () => {
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
    expect(db).toContain('import { createTenantAdapter, tenantClient } from "prisma-tenant-kit";');
    expect(db).toContain('import type { TenantTransactionClient } from "prisma-tenant-kit";');
    // The adapter takes string | undefined and reports a missing URL at the first query: no `!`.
    expect(db).toContain(
      "adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, " +
        'setting: "app.current_tenant_id" }),',
    );
    expect(db).toContain("transactionOptions: { maxWait: 10_000 },");
    expect(db).toContain('log: process.env.NODE_ENV === "development" ? ["query", "error", "warn"] : ["error"],');
    expect(db).not.toContain("$extends");
    // The singleton idiom, both exports and the client's own type are kept.
    expect(db).toContain("const globalForPrisma = globalThis as unknown as { prisma: PrismaClient | undefined };");
    expect(db).toContain('if (process.env.NODE_ENV !== "production") globalForPrisma.prisma = db;');
    expect(db).toMatch(/export const db =\n {2}globalForPrisma\.prisma \?\?\n {2}new PrismaClient\(\{/);
    expect(db).toContain("export default db;");
    // The kit's view of the client, and its types, declared and exported here.
    expect(db).toContain("export const tenantDb = tenantClient(db);");
    expect(db).toContain("export type TenantPrismaClient = typeof tenantDb;");
    expect(db).toContain("export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;");
  });

  it("re-implements the session-level set_config helper on $withTenant, same signature", () => {
    const helper = read("src/lib/prisma-tx.ts");
    expect(helper).toContain(
      "export async function withTenant<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {",
    );
    expect(helper).toMatch(
      new RegExp(
        /return tenantDb\.\$withTenant\(\n {4}tenantId,\n {4}async \(tx\) => \{\n {6}return fn\(tx\);\n {4}\},/.source +
          /\n {4}\{ timeout: 15_000 \},/.source,
      ),
    );
    expect(helper).not.toContain("set_config");
    // The helper's own types stay: the view's transaction passes as Prisma's.
    expect(helper).toContain('import { db, tenantDb } from "./db";');
    expect(helper).toContain("export type TenantTx = Prisma.TransactionClient;");
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

  it("type-checks after install, and a second run changes nothing", { timeout: 300_000 }, () => {
    expect(typeCheck(copy.app).output).toBe("");
    expect(runPhase("install", { target: copy.app }, { write: false }).summary.changed).toBe(0);
  });
});

// The shapes of the reference app (a URL helper and conditional datasources, a session-level set_config helper with
// an escaped, interpolated id, `PrismaClient | Prisma.TransactionClient` parameters in other modules, an own-transaction
// helper, a script with its own client), written into the clinic app: install must leave it compiling under strict.
describe("install on conditional datasources, a set_config(..., false) helper and client types across modules", () => {
  let copy: ReturnType<typeof copyClinicApp>;
  let result: PhaseResult;
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(copy.app, file)), { recursive: true });
    writeFileSync(path.join(copy.app, file), text);
  };
  const read = (file: string): string => readFileSync(path.join(copy.app, file), "utf8");

  beforeAll(() => {
    copy = copyClinicApp();
    write("src/lib/db.ts", SHARED_MODULE);
    write("src/lib/services/visit-log.ts", VISIT_LOG);
    write("src/lib/services/check-in.ts", CHECK_IN);
    write("src/lib/maintenance/recount.ts", OWN_CLIENT_SCRIPT);
  });
  afterAll(() => copy?.cleanup());

  // tsc's errors as (file, code, message), without positions: the multiset install must not add to.
  const errors = (): string[] =>
    typeCheck(copy.app)
      .output.split("\n")
      .filter((line) => /error TS\d+/.test(line))
      .map((line) => line.replace(/^.*?fixtures\/clinic-app\//, "").replace(/\(\d+,\d+\)/, ""));
  let before: string[] = [];

  it("type-checks before install but for Prisma 7 having no datasources option", { timeout: 300_000 }, () => {
    before = errors();
    expect(before).toEqual([
      "src/lib/db.ts: error TS2322: Type '{ db: { url: string; }; } | undefined' is not assignable to type 'never'.",
    ]);
  });

  it("rebuilds the client with the computed URL and the helper on $withTenant; the other modules keep their types", () => {
    result = runPhase("install", { target: copy.app }, { write: true });
    expect(result.summary.errors).toBe(0);
    const db = read("src/lib/db.ts");
    expect(db).toContain(
      'adapter: createTenantAdapter({ connectionString: poolerUrl, setting: "app.current_tenant_id" })',
    );
    expect(db).not.toMatch(/datasources|DATABASE_URL!|set_config|quoted/);
    expect(db).toMatch(
      /return tenantDb\.\$withTenant\(\n {4}clinicId,\n {4}async \(tx\) => \{\n {6}return work\(tx\);/,
    );
    expect(db).toContain("{ timeout: 30_000 },");
    expect(db).toContain(
      "export async function withClinic<T>(clinicId: string, work: (tx: Prisma.TransactionClient) => Promise<T>)",
    );
    // Modules handed the shared client (and, here, a plain one too) are not edited.
    expect(read("src/lib/services/visit-log.ts")).toBe(VISIT_LOG);
    expect(read("src/lib/services/check-in.ts")).toBe(CHECK_IN);
    // The script keeps its own plain client and types, and is listed.
    expect(read("src/lib/maintenance/recount.ts")).toBe(OWN_CLIENT_SCRIPT);
    const items = result.files.flatMap((f) => f.manualReview.map((m) => `${m.location.file} ${m.reason}`));
    expect(items).toContain("src/lib/maintenance/recount.ts extra-prisma-client");
  });

  it("type-checks after install (no error introduced), and a second run changes nothing", { timeout: 300_000 }, () => {
    expect(errors().filter((error) => !before.includes(error))).toEqual([]);
    expect(runPhase("install", { target: copy.app }, { write: false }).summary.changed).toBe(0);
  });
});

const SHARED_MODULE = `import { Prisma, PrismaClient } from "@prisma/client";

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

/** The pooler needs its flag on the URL; added once. */
const withPoolerFlag = (url?: string) => {
  if (!url || url.includes("pgbouncer=")) return url;
  return \`\${url}\${url.includes("?") ? "&" : "?"}pgbouncer=true\`;
};

const poolerUrl = withPoolerFlag(process.env.DATABASE_URL);

export const db =
  globalForPrisma.prisma ??
  new PrismaClient({
    log: process.env.NODE_ENV === "development" ? ["error", "warn"] : ["error"],
    datasources: poolerUrl
      ? {
          db: {
            url: poolerUrl,
          },
        }
      : undefined,
  });

export default db;

if (process.env.NODE_ENV !== "production") globalForPrisma.prisma = db;

/** Runs \`work\` in one transaction with the clinic's RLS context (kept on the connection: the leak). */
export async function withClinic<T>(clinicId: string, work: (tx: Prisma.TransactionClient) => Promise<T>) {
  return db.$transaction(
    async (tx) => {
      const quoted = clinicId.replace(/'/g, "''");
      await tx.$executeRawUnsafe(\`select set_config('app.current_tenant_id', '\${quoted}', false)\`);
      return work(tx);
    },
    { timeout: 30_000 },
  );
}

/** Opens a transaction unless \`executor\` already is one. */
export async function ownTransaction<T>(
  executor: PrismaClient | Prisma.TransactionClient,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
) {
  if ("$transaction" in executor) return (executor as PrismaClient).$transaction(work);
  return work(executor as Prisma.TransactionClient);
}
`;

const VISIT_LOG = `import type { Prisma, PrismaClient } from "@prisma/client";

type Executor = PrismaClient | Prisma.TransactionClient;

/** Patients seen in a clinic, on whatever client or transaction the caller holds. */
export async function patientsSeen(db: Executor, tenantId: string): Promise<number> {
  return db.patient.count({ where: { tenantId } });
}

/** Kept as is: not a client type. */
export type PatientFilter = Prisma.PatientWhereInput;
`;

const CHECK_IN = `import { db, ownTransaction, withClinic } from "@/lib/db";
import { patientsSeen } from "./visit-log";

/** Counts a clinic's patients inside its transaction, and again on the shared client. */
export async function checkInSummary(clinicId: string) {
  const inside = await withClinic(clinicId, (tx) => patientsSeen(tx, clinicId));
  const outside = await ownTransaction(db, (tx) => patientsSeen(tx, clinicId));
  return { inside, outside };
}
`;

const OWN_CLIENT_SCRIPT = `import { PrismaClient } from "@prisma/client";

// A maintenance job with a client of its own.
const jobClient = new PrismaClient();

export async function recount(client: PrismaClient = jobClient): Promise<number> {
  return client.patient.count();
}
`;
