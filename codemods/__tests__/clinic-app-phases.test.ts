import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLINIC_APP, copyClinicApp } from "../../fixtures/clinic-app-copy.ts";
import { REPO_ROOT, typeCheck } from "../../fixtures/sales-app-copy.ts";
import type { ManualReviewItem, ReviewSite, SiteReport } from "../runner/codemod-types.ts";
import { runPhase, runScan, type PhaseResult } from "../runner/codemod-runner.ts";

// The whole rollout on a copy of fixtures/clinic-app (the second fixture app: a Prisma 6 style client module, a
// session-level set_config helper in another module than the tenant wrapper, policies on app.current_tenant_id,
// three session wrappers), out of the box with no config. Measured: every phase succeeds, every handler ends on V2 but
// the ones tsc cannot prove (each left on V1 and named with its error), tsc reports no error after any phase that it
// did not report before it, a second run of each phase changes nothing, and every manual-review item has a reason the
// migration guide documents. Each phase type-checks the app twice (see codemods/verify/) besides the tsc of each step:
// minutes on a loaded machine.
describe("fixtures/clinic-app through every phase, no config", { timeout: 600_000 }, () => {
  const phases = ["install", "scaffold", "reads", "writes", "finalize"] as const;
  const guide = readFileSync(path.join(REPO_ROOT, "docs", "migration-guide.md"), "utf8");
  const documented = new Set([...guide.matchAll(/^### `([a-z0-9-]+)`$/gm)].map((m) => m[1]!));
  let copy: ReturnType<typeof copyClinicApp>;
  let handlersBefore: SiteReport[];
  /** tsc's errors after the last phase run (the "before" of the next one). */
  let tscErrors: string[];
  const reviewItems: ManualReviewItem[] = [];
  const reviewSites: ReviewSite[] = [];

  const read = (file: string): string => readFileSync(path.join(copy.app, file), "utf8");
  const errorsOf = (app: string): string[] =>
    typeCheck(app)
      .output.split("\n")
      .filter((line) => /error TS\d+/.test(line));
  const targetOf = (phase: string): string =>
    path.join(copy.app, phase === "reads" || phase === "writes" ? "src/app" : ".");
  const changedFiles = (result: PhaseResult): string[] =>
    result.files
      .filter((f) => f.changed)
      .map((f) => f.file)
      .sort();

  /** Runs `phase` for real, checks that tsc reports nothing new and that a second run (dry) changes nothing. */
  function runMeasured(phase: (typeof phases)[number]): PhaseResult {
    const result = runPhase(phase, { target: targetOf(phase) }, { write: true });
    expect(result.files.filter((f) => f.error).map((f) => `${f.file}: ${f.error?.message}`)).toEqual([]);
    reviewItems.push(...result.files.flatMap((f) => f.manualReview));
    reviewSites.push(...result.reviewSites);
    const after = errorsOf(copy.app);
    expect(
      after.filter((error) => !tscErrors.includes(error)),
      `new tsc errors after ${phase}`,
    ).toEqual([]);
    tscErrors = after;
    expect(changedFiles(runPhase(phase, { target: targetOf(phase) }, { write: false })), `${phase} run twice`).toEqual(
      [],
    );
    return result;
  }

  beforeAll(() => {
    copy = copyClinicApp();
    handlersBefore = [...runScan({ target: path.join(copy.app, "src/app") }).handlers];
  });
  afterAll(() => copy?.cleanup());

  it("type-checks as V1, and scan finds every handler on V1 with none unknown", () => {
    tscErrors = errorsOf(copy.app);
    expect(tscErrors).toEqual([]);
    expect(handlersBefore).toHaveLength(26);
    expect(handlersBefore.every((h) => h.wrapperVersion === 1)).toBe(true);
    expect(handlersBefore.filter((h) => h.classification === "unknown").map((h) => h.evidence)).toEqual([]);
    const wrappers = new Set(handlersBefore.map((h) => h.wrapper));
    expect([...wrappers].sort()).toEqual(["withAdminSession", "withPatientSession", "withStaffSession"]);
  });

  it("install builds the shared client on the kit and moves the set_config helper to $withTenant", () => {
    const result = runMeasured("install");
    expect(changedFiles(result)).toEqual(["src/lib/db.ts", "src/lib/prisma-tx.ts"]);
    expect(read("src/lib/db.ts")).toContain('setting: "app.current_tenant_id"');
    expect(read("src/lib/prisma-tx.ts")).toContain("return tenantDb.$withTenant(");
    const items = result.files.flatMap((f) =>
      f.manualReview.map((m) => `${m.location.file}:${m.location.line} ${m.reason}`),
    );
    expect(items.sort()).toEqual([
      "scripts/backfill-invoice-status.ts:4 extra-prisma-client",
      "src/app/api/cron/reminders/route.ts:12 bare-client-tenant-query",
      "src/lib/services/search-index.ts:7 bare-client-tenant-query",
    ]);
  });

  it("scaffold derives the tenant wrapper's V2 from V1 and a V2 beside each session wrapper", () => {
    const result = runMeasured("scaffold");
    // Beside the wrappers, the helpers that only read take the read-only client V2 hands out.
    expect(changedFiles(result)).toEqual(
      expect.arrayContaining([
        "src/lib/auth/admin-session.ts",
        "src/lib/auth/patient-session.ts",
        "src/lib/auth/staff-session.ts",
        "src/lib/tenant.ts",
      ]),
    );
    for (const file of changedFiles(result).filter((f) => !/session\.ts$|tenant\.ts$/.test(f)))
      expect(read(file), file).toMatch(/TenantRead(Client|View)</);
    expect(result.summary.manualReview).toBe(0);
    // V1's lookup, header and errors kept; the transaction (opened by withTenant in another module) taken out.
    const tenantV2 = read("src/lib/tenant.ts").split("export async function withTenantFromRequestV2<T>(")[1] ?? "";
    expect(tenantV2).toContain("const requested = request.headers.get(TENANT_HEADER);");
    expect(tenantV2).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the app's source text, with its own template literal.
      "if (!clinic || !clinic.active) throw new Error(`Unknown or inactive clinic ${requested}`);",
    );
    expect(tenantV2).toContain("const result = await fn(clinic.id, readOnlyClient(tenantDb.$forTenant(clinic.id)));");
    expect(tenantV2).toContain("return { tenantId: clinic.id, result };");
    expect(tenantV2).not.toMatch(/withTenant\(|\$transaction|set_config/);
    for (const [file, v2] of [
      ["admin-session", "withAdminSessionV2"],
      ["staff-session", "withStaffSessionV2"],
      ["patient-session", "withPatientSessionV2"],
    ] as const) {
      const text = read(`src/lib/auth/${file}.ts`);
      expect(text).toMatch(new RegExp(`${v2}[\\s\\S]*await withTenantFromRequestV2\\(request,`));
      expect(text.match(/const busy = poolTimeoutResponse\(error\);/g), file).toHaveLength(1);
    }
  });

  it("reads moves every read handler to V2", () => {
    const result = runMeasured("reads");
    const migrated = result.files.flatMap((f) => f.sites.filter((s) => s.action === "migrated"));
    expect(migrated.every((s) => s.classification === "read")).toBe(true);
    // Every read handler moved but one, which tsc could not prove: it hands its client to a helper inside an options
    // object whose type allows writes (summarizeInvoices({ db, tenantId })); it stays on V1, named with the error.
    const unproven = result.files.flatMap((f) => f.manualReview.map((m) => `${m.location.file} ${m.reason}`));
    expect(unproven).toEqual(["src/app/api/admin/reports/route.ts new-type-error"]);
    expect(migrated).toHaveLength(handlersBefore.filter((h) => h.classification === "read").length - 1);
    // The idioms: context destructured in the body, JSDoc naming db, db || import(); V1's context annotation goes.
    expect(read("src/app/api/admin/audit/route.ts")).toContain("withAdminSessionV2(request, async (context)");
    expect(read("src/app/api/admin/reports/route.ts")).toContain("withAdminSession(request, async ({ tenantId, db })");
  });

  it("writes moves every write handler to V2 with a withTenant span, slow work outside it where it can move", () => {
    const result = runMeasured("writes");
    const migrated = result.files.flatMap((f) => f.sites.filter((s) => s.action === "migrated"));
    expect(migrated.every((s) => s.classification === "write")).toBe(true);
    // Every write handler moved, also the one calling runWithTransaction(db, fn) (which opens a transaction on the
    // client, or hands fn the client when it cannot): scaffold typed its client to take the read-only one too.
    expect(migrated).toHaveLength(handlersBefore.filter((h) => h.classification === "write").length);
    // The transaction helper is imported from where the app declares it, not from the tenant module.
    for (const file of changedFiles(result).filter((f) => read(f).includes("withTenant("))) {
      expect(read(file), file).toContain('import { withTenant } from "@/lib/prisma-tx";');
    }
    // request.json() and the external calls whose results only feed the writes run before the span.
    for (const file of ["src/app/api/appointments/route.ts", "src/app/api/invoices/[id]/pay/route.ts"]) {
      const text = read(file);
      expect(text.indexOf("await request.json()"), file).toBeLessThan(text.indexOf("withTenant(tenantId"));
      expect(text.search(/await (reserveCalendarSlot|fetch)\(/), file).toBeLessThan(
        text.indexOf("withTenant(tenantId"),
      );
    }
    // The SMS needs the appointment read in the span, so it stays there, marked.
    expect(result.files.flatMap((f) => f.manualReview.map((m) => `${m.location.file} ${m.reason}`)).sort()).toEqual([
      "src/app/api/appointments/[id]/cancel/route.ts await-in-span",
    ]);
    expect(read("src/app/api/appointments/[id]/cancel/route.ts")).toContain("  // tenant-kit: await-in-span - ");
    // Own transactions are kept; the one V1 could not run is called out.
    const notes = result.files.flatMap((f) => f.notes);
    expect(notes.some((n) => n.includes("V1 threw a TypeError") && n.includes("starts running (and writing)"))).toBe(
      true,
    );
  });

  it("leaves every handler scan found on V2 but the one tsc cannot prove (25 of 26)", () => {
    const after = runScan({ target: path.join(copy.app, "src/app") }).handlers;
    const onV1 = after.filter((h) => h.wrapperVersion === 1).map((h) => h.location.file);
    expect(after).toHaveLength(handlersBefore.length);
    expect(onV1).toEqual(["src/app/api/admin/reports/route.ts"]);
  });

  it("finalize removes the V1 wrappers nobody uses, keeps the admin one its V1 handler needs, and is stable", () => {
    const result = runMeasured("finalize");
    const blocked = result.files.flatMap((f) =>
      f.manualReview.filter((m) => m.reason === "v1-still-used").map((m) => m.location.file),
    );
    expect([...new Set(blocked)].sort()).toEqual([
      "src/app/api/admin/reports/route.ts",
      "src/lib/auth/admin-session.ts",
    ]);
    // Their V2s took V1's names; they still call the tenant wrapper's V2, whose V1 the admin wrapper needs.
    for (const [file, v2] of [
      ["auth/staff-session.ts", "withStaffSessionV2"],
      ["auth/patient-session.ts", "withPatientSessionV2"],
    ] as const)
      expect(read(`src/lib/${file}`), file).not.toContain(v2);
    expect(read("src/lib/auth/admin-session.ts")).toContain("withAdminSessionV2");
    // Each V2 took its V1's place in the imports and then its name: the wrapper imports read as they did on V1.
    const wrapperImport = /^import \{[^}]*\bwith(Staff|Patient)Session\b[^}]*\} from .*$/gm;
    for (const file of changedFiles(result)) {
      const original = readFileSync(path.join(CLINIC_APP, file), "utf8");
      expect(read(file).match(wrapperImport), file).toEqual(original.match(wrapperImport));
    }
    for (const phase of phases) {
      expect(changedFiles(runPhase(phase, { target: targetOf(phase) }, { write: false })), phase).toEqual([]);
    }
  });

  it("gave every manual-review item a reason the migration guide documents, and a fix", () => {
    expect(reviewItems.length).toBeGreaterThan(0);
    for (const item of [...reviewItems, ...reviewSites]) {
      expect(documented, `${item.reason} (docs/migration-guide.md)`).toContain(item.reason);
      expect(item.fix.length, item.reason).toBeGreaterThan(0);
    }
    expect(reviewSites.map((s) => `${s.file} ${s.reason}`)).toEqual([
      "src/app/api/appointments/[id]/cancel/route.ts await-in-span",
    ]);
  });
});
